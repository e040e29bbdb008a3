/* fuzz_dns.c - lw_dns_parse: a DNS reply as it comes off the network (any
 * server the operator names, or one on the path, can send any bytes).
 *
 * Invariants: an accepted reply is LW_DNS_ANSWERED with every record's
 * name and data set, printable ASCII only (escaped, so no terminal
 * control reaches a check's detail), names in lower case, A and AAAA data
 * valid address text; a refused one is LW_DNS_BADREPLY with a reason and
 * no records.  Freeing twice is harmless (the header says so). */
#include "config.h"

#include <arpa/inet.h>

#include "fuzz.h"
#include "lw/dns.h"

static void
check_text(const char *s)
{
    FUZZ_ASSERT(s != NULL);
    for (; *s != '\0'; s++)
        FUZZ_ASSERT(*s >= 0x20 && *s < 0x7f);
}

static void
check_rrs(const struct lw_dns_rr *rr, size_t n)
{
    unsigned char addr[16];
    size_t i;
    const char *p;

    FUZZ_ASSERT((rr == NULL) == (n == 0));
    for (i = 0; i < n; i++) {
        check_text(rr[i].name);
        check_text(rr[i].data);
        for (p = rr[i].name; *p != '\0'; p++)
            FUZZ_ASSERT(*p < 'A' || *p > 'Z');
        if (rr[i].type == LW_DNS_A)
            FUZZ_ASSERT(inet_pton(AF_INET, rr[i].data, addr) == 1);
        else if (rr[i].type == LW_DNS_AAAA)
            FUZZ_ASSERT(inet_pton(AF_INET6, rr[i].data, addr) == 1);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_dns_answer a;
    struct lw_err err;
    enum lw_status st;
    /* An exact-size copy: ASan sees any read past the end. */
    unsigned char *in = (unsigned char *)fuzz_copy(data, size);

    lw_err_clear(&err);
    memset(&a, 0xA5, sizeof(a)); /* lw_dns_parse sets every field */
    st = lw_dns_parse(size > 0 ? in : NULL, size, &a, &err);
    fuzz_say("dns", st, &err);
    fuzz_check_err(st, &err);
    FUZZ_ASSERT(a.elapsed_ms == 0);
    FUZZ_ASSERT(memchr(a.error, '\0', sizeof(a.error)) != NULL);
    if (st == LW_OK) {
        FUZZ_ASSERT(a.outcome == LW_DNS_ANSWERED);
        FUZZ_ASSERT(a.rcode >= 0 && a.rcode <= 15);
        check_rrs(a.answer, a.n_answer);
        check_rrs(a.authority, a.n_authority);
        check_rrs(a.additional, a.n_additional);
    } else {
        FUZZ_ASSERT(st == LW_ERR_INPUT);
        FUZZ_ASSERT(a.outcome == LW_DNS_BADREPLY);
        FUZZ_ASSERT(a.error[0] != '\0');
        fuzz_check_shown(a.error);
        FUZZ_ASSERT(a.answer == NULL && a.n_answer == 0);
        FUZZ_ASSERT(a.authority == NULL && a.n_authority == 0);
        FUZZ_ASSERT(a.additional == NULL && a.n_additional == 0);
    }
    lw_dns_answer_free(&a);
    lw_dns_answer_free(&a);
    free(in);
    return 0;
}

/* step_dns.c - the exact DNS record to create: a CNAME to this server's
 * host name, or A/AAAA records with its public addresses (always for a
 * zone apex, where a CNAME cannot live). */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lw/cloudfront.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

#define ADDRS_MAX 6

struct dns_step {
    char host[256];                  /* this server's name, "" unknown */
    char addrs[ADDRS_MAX][INET6_ADDRSTRLEN];
    bool v6[ADDRS_MAX];
    int n_addrs;
};

/* Public unicast only: private, loopback and link-local addresses cannot
 * be what the world resolves the link domain to. */
static bool
is_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const unsigned char *b =
            (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        return !(b[0] == 10 || b[0] == 127 || b[0] == 0 ||
                 (b[0] == 172 && (b[1] & 0xf0) == 16) ||
                 (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
                 (b[0] == 100 && (b[1] & 0xc0) == 64));
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return !(IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
                 IN6_IS_ADDR_UNSPECIFIED(a) || (a->s6_addr[0] & 0xfe) == 0xfc);
    }
    return false;
}

static void
dns_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct dns_step *p = priv;
    struct ifaddrs *ifa = NULL, *i;
    size_t k;

    (void)back;
    p->n_addrs = 0;
    for (k = 0; k < w->cfg.n_addresses && p->n_addrs < ADDRS_MAX; k++) {
        snprintf(p->addrs[p->n_addrs], sizeof(p->addrs[0]), "%s",
                 w->cfg.addresses[k]);
        p->v6[p->n_addrs++] = strchr(w->cfg.addresses[k], ':') != NULL;
    }
    if (p->n_addrs == 0 && getifaddrs(&ifa) == 0) {
        for (i = ifa; i != NULL && p->n_addrs < ADDRS_MAX; i = i->ifa_next) {
            const void *src;
            if (i->ifa_addr == NULL || !is_public(i->ifa_addr))
                continue;
            src = i->ifa_addr->sa_family == AF_INET
                      ? (const void *)&((struct sockaddr_in *)i->ifa_addr)
                            ->sin_addr
                      : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)
                            ->sin6_addr;
            if (inet_ntop(i->ifa_addr->sa_family, src, p->addrs[p->n_addrs],
                          sizeof(p->addrs[0])) != NULL)
                p->v6[p->n_addrs++] = i->ifa_addr->sa_family == AF_INET6;
        }
        freeifaddrs(ifa);
    }
    if (gethostname(p->host, sizeof(p->host)) != 0 ||
        strchr(p->host, '.') == NULL)
        p->host[0] = '\0';
    p->host[sizeof(p->host) - 1] = '\0';
}

/* CloudFront: one CNAME to the distribution (an apex was refused at the
 * setup: a CNAME cannot live there). */
static void
dns_draw_cloudfront(struct lw_wiz *w, WINDOW *win)
{
    const struct lw_ui *ui = &w->ui;
    struct lw_buf rec = LW_BUF_INIT;
    int width = getmaxx(win), y = 0;
    char line[1024];

    snprintf(line, sizeof(line),
             _("Create this record in the DNS zone of %s, at your DNS "
               "provider:"),
             w->have_dom && w->dom.zone[0] != '\0' ? w->dom.zone
                                                    : w->cfg.domain);
    y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL, line) + 1;
    lw_cloudfront_dns_record(w->cfg.domain,
                             w->cfg.distribution_domain != NULL
                                 ? w->cfg.distribution_domain
                                 : "dXXXX.cloudfront.net",
                             &rec);
    lw_ui_put(ui, win, y++, 2, width - 2, LW_UI_HEAD,
              rec.data != NULL ? rec.data : "");
    y++;
    lw_buf_free(&rec);
    y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_NORMAL,
                    _("If the name has a record already (an old "
                      "distribution, or an A record), replace it: a CNAME "
                      "must be the only record at its name.")) + 1;
    lw_ui_para(ui, win, y, 0, width, 6, LW_UI_NORMAL,
               _("A new record can take from minutes to hours to be seen "
                 "everywhere, and a new distribution some minutes to deploy. "
                 "The next step checks both; press w there to watch until "
                 "all checks pass."));
}

static void
dns_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct dns_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0, i;
    bool apex = w->have_dom && w->dom.apex;
    char line[1024];

    if (w->cfg.method == LW_METHOD_CLOUDFRONT) {
        dns_draw_cloudfront(w, win);
        return;
    }

    snprintf(line, sizeof(line),
             /* TRANSLATORS: %s is the zone (the domain's parent). */
             _("Create this record in the DNS zone of %s, at your DNS "
               "provider:"),
             w->have_dom && w->dom.zone[0] != '\0' ? w->dom.zone
                                                    : w->cfg.domain);
    y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL, line) + 1;
    if (!apex) {
        snprintf(line, sizeof(line), "%s.  CNAME  %s%s", w->cfg.domain,
                 p->host[0] != '\0' ? p->host
                                    /* TRANSLATORS: placeholder in a DNS
                                     * record, shown when the host name is
                                     * unknown; keep the angle brackets. */
                                    : _("<this server's host name>"),
                 p->host[0] != '\0' ? "." : "");
        lw_ui_put(ui, win, y++, 2, width - 2, LW_UI_HEAD, line);
        y++;
        if (p->n_addrs > 0)
            y += lw_ui_para(ui, win, y, 0, width, 2, LW_UI_NORMAL,
                            _("or, instead of the CNAME, address records "
                              "for this server:")) + 1;
    } else {
        snprintf(line, sizeof(line),
                 _("%s is the apex of its zone, so it needs address records "
                   "(a CNAME cannot live there):"),
                 w->cfg.domain);
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_WARN, line) + 1;
    }
    for (i = 0; i < p->n_addrs; i++) {
        snprintf(line, sizeof(line), "%s.  %s  %s", w->cfg.domain,
                 p->v6[i] ? "AAAA" : "A", p->addrs[i]);
        lw_ui_put(ui, win, y++, 2, width - 2, LW_UI_HEAD, line);
    }
    if (p->n_addrs == 0 && apex) {
        snprintf(line, sizeof(line), "%s.  A  %s", w->cfg.domain,
                 /* TRANSLATORS: placeholder in a DNS record; keep the angle
                  * brackets. */
                 _("<this server's public IPv4 address>"));
        lw_ui_put(ui, win, y++, 2, width - 2, LW_UI_HEAD, line);
    }
    y++;
    lw_ui_para(ui, win, y, 0, width, 6, LW_UI_NORMAL,
               _("A new record can take from minutes to hours to be seen "
                 "everywhere. The next step checks it with several public "
                 "resolvers; press w there to watch until all of them "
                 "agree."));
}

static enum lw_step_id
dns_next(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    return LW_STEP_CHECKS;
}

const struct lw_step_ops lw_step_dns = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("DNS"),
    .title = N_("The DNS record"),
    .help = N_("People's mail programs must find this server under the "
               "link domain.  A CNAME to the server's own host name is "
               "easiest to maintain; A and AAAA records with its public "
               "addresses work too and are the only choice at a zone "
               "apex.\n\n"
               "Create the record at whoever hosts the zone's DNS, then go "
               "on: the live checks show which resolvers see it."),
    .priv_size = sizeof(struct dns_step),
    .enter = dns_enter,
    .draw = dns_draw,
    .next = dns_next,
};

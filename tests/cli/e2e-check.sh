#!/bin/sh
echo "1..0 # SKIP check engine not built yet"

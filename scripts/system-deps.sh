#!/usr/bin/env bash
# Install the Debian packages the test suite drives for real: a JDK (javac, for the
# OWL API check), Debian's OWL API (the library inside Protégé), Chromium (web
# page tests) and Virtuoso (the second remote store the suite runs on). Runs apt-get only as root and only for what is missing; otherwise it
# says what is missing, and the tests that need it are skipped outside CI.
set -euo pipefail
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
[[ -f /usr/share/java/owlapi-distribution.jar ]] || need+=(libowlapi-java)
[[ "${KGQA_SKIP_BROWSER:-}" == 1 || -x /usr/bin/chromium ]] || need+=(chromium)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
# Chinese names in the screenshots need a CJK font (the page itself works without one).
[[ "${KGQA_SKIP_BROWSER:-}" == 1 || -d /usr/share/fonts/opentype/noto ]] || need+=(fonts-noto-cjk)
[[ ${#need[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]]; then
    echo "system-deps: missing ${need[*]}; as root: apt-get install -y ${need[*]} (tests needing them will skip)" >&2
    exit 0
fi
echo "system-deps: installing ${need[*]} with apt-get (once)..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

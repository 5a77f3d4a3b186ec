#!/bin/sh
# Copy the browser libraries the web page uses from the npm registry into
# kgqa/web/static/vendor/, so the page works with no internet (issue 5).
#
#   scripts/vendor-static.sh                 # the pinned versions below
#   YASGUI=4.7.0 CYTOSCAPE=3.36.0 scripts/vendor-static.sh   # an update
#
# Needs node/npm. `npm pack` fetches the published tarball without installing
# anything or running package scripts; only the built files and licences are
# kept. Update the versions in kgqa/web/static/vendor/README.md afterwards.
set -eu

YASGUI="${YASGUI:-4.6.2}"
CYTOSCAPE="${CYTOSCAPE:-3.35.0}"

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/kgqa/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "@zazuko/yasgui@$YASGUI" "cytoscape@$CYTOSCAPE" >/dev/null
mkdir yasgui cytoscape
tar xzf "zazuko-yasgui-$YASGUI.tgz" -C yasgui
tar xzf "cytoscape-$CYTOSCAPE.tgz" -C cytoscape

mkdir -p "$vendor/yasgui" "$vendor/cytoscape"
# The source map (3.6 MB) is left out; drop the comment that points to it so a
# browser's developer tools do not ask the service for a file it does not have.
sed '/^\/\/# sourceMappingURL=/d' yasgui/package/build/yasgui.min.js >"$vendor/yasgui/yasgui.min.js"
cp yasgui/package/build/yasgui.min.css "$vendor/yasgui/yasgui.min.css"
cp cytoscape/package/dist/cytoscape.min.js "$vendor/cytoscape/cytoscape.min.js"
cp cytoscape/package/LICENSE "$vendor/cytoscape/LICENSE"
# @zazuko/yasgui's tarball ships no licence file; its package.json says MIT.
if [ -f yasgui/package/LICENSE ]; then
  cp yasgui/package/LICENSE "$vendor/yasgui/LICENSE"
elif [ ! -f "$vendor/yasgui/LICENSE" ]; then
  echo "warning: no LICENSE in @zazuko/yasgui@$YASGUI; keep kgqa/web/static/vendor/yasgui/LICENSE" >&2
fi

printf '%s\n' "@zazuko/yasgui $YASGUI" "cytoscape $CYTOSCAPE" >"$vendor/VERSIONS"
(cd "$vendor" && sha256sum yasgui/yasgui.min.js yasgui/yasgui.min.css cytoscape/cytoscape.min.js >SHA256SUMS)
echo "vendored into $vendor:"
cat "$vendor/VERSIONS"

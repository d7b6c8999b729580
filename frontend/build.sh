#!/bin/sh
# Build the front end into prevent_hub/core/static/core/.
#
# The output is committed, so a fresh clone needs neither Node nor npm; run this
# only after changing frontend/src/ or upgrading a package in package.json.
#
#   sh frontend/build.sh
#
# Nothing built here refers to another origin: no CDN, no web fonts, no images
# other than our own. GOV.UK's crown, crest, favicons and GDS Transport font
# are deliberately not copied (this is not a GOV.UK service).
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../prevent_hub/core/static/core"
vendor="$here/../prevent_hub/core/testing/vendor"
govuk="$here/node_modules/govuk-frontend/dist/govuk"

cd "$here"
npm ci --no-audit --no-fund --ignore-scripts

mkdir -p "$out" "$vendor"

# Styles: GOV.UK Frontend with a system font stack, plus our own (src/app/).
npx sass --pkg-importer=node --no-source-map --style=compressed \
  src/app.scss "$out/app.css"

# GOV.UK Frontend's ES module bundle. Drop the sourceMappingURL comment: we do
# not ship the map, and Django's manifest storage fails on a missing map file.
sed -e 's|//# sourceMappingURL=.*$||' "$govuk/govuk-frontend.min.js" > "$out/govuk-frontend.min.js"

# Our own scripts (init.js, session-timeout.js) need no build: they live in $out.

# axe-core for the browser tests (injected by the test suite, never served).
cp node_modules/axe-core/axe.min.js "$vendor/axe.min.js"

# Guard: the built CSS must not point at any file, font or other origin.
if grep -Eq 'url\(|@font-face|GDS Transport' "$out/app.css"; then
  echo "build.sh: app.css refers to a font or image; see frontend/src/_assets.scss" >&2
  exit 1
fi

echo "Built $(cd "$out" && ls | tr '\n' ' ')"

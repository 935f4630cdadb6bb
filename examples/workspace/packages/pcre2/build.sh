# Stands in for a real build of pcre2: writes a small "package" to stdout.
set -e
echo "pcre2 $1"
echo "built from packages/pcre2"

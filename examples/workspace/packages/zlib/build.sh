# Stands in for a real build of zlib: writes a small "package" to stdout.
set -e
echo "zlib $1"
echo "built from packages/zlib"

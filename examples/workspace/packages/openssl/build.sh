# Stands in for a real build of openssl: writes a small "package" to stdout.
set -e
echo "openssl $1"
echo "built from packages/openssl"

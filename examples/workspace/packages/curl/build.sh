# Stands in for a real build of curl: writes a small "package" to stdout.
set -e
echo "curl $1"
echo "built from packages/curl"

# Stands in for a real build of nginx: writes a small "package" to stdout.
set -e
echo "nginx $1"
echo "built from packages/nginx"

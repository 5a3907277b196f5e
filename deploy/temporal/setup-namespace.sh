#!/bin/sh
# Creates the namespace and registers Routeswit's search attributes (DESIGN §4). Idempotent. On a fresh
# server a new namespace takes a moment to reach every frontend's cache, so each step retries until it holds
# (as Temporal's own setup script does) instead of failing once and relying on a container restart.
set -eu
ADDR="${TEMPORAL_ADDRESS:-temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
ATTEMPTS=90
retry() {
  what="$1"; shift
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge "$ATTEMPTS" ]; then echo "gave up: $what"; "$@"; exit 1; fi
    echo "waiting: $what"; sleep 2
  done
}
retry "Temporal at $ADDR" temporal operator cluster health --address "$ADDR"
# Closed workflows are kept this long (docs/scaling.md sizes the persistence database for 7 days); an existing
# namespace is brought to it too.
RETENTION="${TEMPORAL_RETENTION:-7d}"
if temporal operator namespace describe -n "$NS" --address "$ADDR" >/dev/null 2>&1; then
  temporal operator namespace update -n "$NS" --retention "$RETENTION" --address "$ADDR"
else
  temporal operator namespace create -n "$NS" --retention "$RETENTION" --address "$ADDR"
fi
retry "namespace $NS to be visible" temporal operator search-attribute list -n "$NS" --address "$ADDR"
for sa in RouteswitOrgId:Keyword RouteswitLeadId:Keyword RouteswitRepId:Keyword RouteswitLeadStatus:Keyword \
          RouteswitSlaDueAt:Datetime RouteswitRuleId:Keyword RouteswitUnassignedReason:Keyword; do
  name="${sa%%:*}"; type="${sa##*:}"
  retry "search attribute $name" sh -c "temporal operator search-attribute list -n '$NS' --address '$ADDR' | grep -qw '$name' \
    || temporal operator search-attribute create -n '$NS' --name '$name' --type '$type' --address '$ADDR'"
  # Usable in a query means the frontends know it: the first lead may set it.
  retry "search attribute $name to be usable" temporal workflow count -n "$NS" --address "$ADDR" --query "$name IS NOT NULL"
done
echo "namespace $NS and search attributes ready"

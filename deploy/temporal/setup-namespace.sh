#!/bin/sh
# Creates the namespace and registers Routeswit's search attributes (DESIGN §4). Idempotent.
set -eu
ADDR="${TEMPORAL_ADDRESS:-temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$ADDR" >/dev/null 2>&1; do
  echo "waiting for Temporal at $ADDR"; sleep 2
done
temporal operator namespace describe -n "$NS" --address "$ADDR" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NS" --retention 30d --address "$ADDR"
for sa in RouteswitOrgId:Keyword RouteswitLeadId:Keyword RouteswitRepId:Keyword RouteswitLeadStatus:Keyword \
          RouteswitSlaDueAt:Datetime RouteswitRuleId:Keyword RouteswitUnassignedReason:Keyword; do
  name="${sa%%:*}"; type="${sa##*:}"
  temporal operator search-attribute list -n "$NS" --address "$ADDR" | grep -q "$name" \
    || temporal operator search-attribute create -n "$NS" --name "$name" --type "$type" --address "$ADDR"
done
echo "namespace $NS and search attributes ready"

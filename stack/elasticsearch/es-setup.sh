#!/bin/bash
# One-shot Elasticsearch setup for the stack (the es-setup service): waits for the cluster, sets the
# kibana_system password, and creates the aggregator's least-privilege role and user, all from
# Docker secrets. Idempotent. Exits non-zero (Swarm retries) while Elasticsearch is not up yet.
set -euo pipefail
es="${ES_URL:-http://elasticsearch:9200}"
elastic_password="$(cat /run/secrets/elastic_password)"
kibana_password="$(cat /run/secrets/kibana_system_password)"
writer_password="$(cat /run/secrets/swarmscope_es_password)"
writer_user="${SWARMSCOPE_ES_USERNAME:-swarmscope_writer}"
prefix="${SWARMSCOPE_ES_INDEX_PREFIX:-swarmscope}"

# JSON string escaping for the passwords (backslash and double quote).
json() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }
call() { # method path body
  curl -fsS -o /dev/null -u "elastic:${elastic_password}" -X "$1" -H 'Content-Type: application/json' "${es}$2" --data-binary "$3"
}

until curl -fsS -o /dev/null -u "elastic:${elastic_password}" "${es}/_cluster/health?wait_for_status=yellow&timeout=10s"; do
  echo "waiting for Elasticsearch at ${es}"
  sleep 5
done
call POST /_security/user/kibana_system/_password "{\"password\":$(json "$kibana_password")}"
call PUT "/_security/role/${writer_user}" "{\"cluster\":[\"monitor\",\"manage_index_templates\"],\"indices\":[{\"names\":[\"${prefix}-*\"],\"privileges\":[\"create_index\",\"create_doc\",\"write\",\"read\",\"view_index_metadata\",\"delete_index\"]}]}"
call PUT "/_security/user/${writer_user}" "{\"password\":$(json "$writer_password"),\"roles\":[\"${writer_user}\"]}"
echo "Elasticsearch is set up: kibana_system password, role and user ${writer_user}"

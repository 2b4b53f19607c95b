# Appends the call "$@" to "$CALLS" as one line of JSON (an array of strings) in bash alone: a node start
# per call cost 0.1 CPU-s. A control character other than newline, tab or return makes the line invalid
# JSON, which the reader (JSON.parse) rejects loudly.
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}
record_call() {
  local line="" a
  for a in "$@"; do line+="${line:+,}$(json_string "$a")"; done
  printf '[%s]\n' "$line" >> "$CALLS"
}

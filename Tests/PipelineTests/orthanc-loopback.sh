#!/usr/bin/env bash
# Starts (or stops) a throw-away Orthanc on loopback for the PACS send test: its own configuration,
# storage and log in DIR, free DICOM and HTTP ports, no authentication, any calling AE may store.
# Needs Debian's orthanc package only (its system service is not used).
# Usage: orthanc-loopback.sh start|stop DIR
# `start` prints the variables the test reads and writes them to DIR/orthanc.env; source that file:
#   MEDVMAD_ORTHANC_URL, MEDVMAD_ORTHANC_DICOM_PORT, MEDVMAD_ORTHANC_AET
set -euo pipefail
action=${1:?start or stop}
dir=${2:?state folder}
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
mkdir -p "$dir"

if [ "$action" = stop ]; then
    if [ -f "$dir/orthanc.pid" ]; then
        pid=$(cat "$dir/orthanc.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/orthanc.pid"
    fi
    exit 0
fi

program=$(command -v Orthanc || echo /usr/sbin/Orthanc)
[ -x "$program" ] || { echo "Orthanc is not installed (Debian package orthanc)" >&2; exit 1; }

# Two distinct free ports from the kernel (bound and released at once; nothing else here races for them).
read -r http_port dicom_port < <(python3 - <<'PY'
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
PY
)
aet=MEDVMADTEST
# Stop a server this folder started before, and start from empty storage: the test counts arrivals.
bash "$0" stop "$dir"
rm -rf "$dir/storage"
mkdir -p "$dir/storage"
# OverwriteInstances: a resent instance replaces the stored one and is logged as a new arrival in
# /changes, so the test can tell "stored once" from "sent again". Any calling AE may store
# (DicomAlwaysAllowStore); the sender's AE is registered as a modality as well.
cat > "$dir/orthanc.json" <<JSON
{
  "Name": "medvmad-test",
  "StorageDirectory": "$dir/storage",
  "IndexDirectory": "$dir/storage",
  "StorageCompression": false,
  "Plugins": [],
  "LuaScripts": [],
  "HttpServerEnabled": true,
  "HttpPort": $http_port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false,
  "RegisteredUsers": {},
  "SslEnabled": false,
  "WebDavEnabled": false,
  "DicomServerEnabled": true,
  "DicomAet": "$aet",
  "DicomPort": $dicom_port,
  "DicomCheckCalledAet": true,
  "DicomAlwaysAllowEcho": true,
  "DicomAlwaysAllowStore": true,
  "DicomCheckModalityHost": false,
  "DicomModalities": { "medvmad": [ "MEDVMAD", "127.0.0.1", 104 ] },
  "UnknownSopClassAccepted": false,
  "OverwriteInstances": true,
  "SaveJobs": false,
  "StableAge": 1,
  "MallocArenaMax": 1
}
JSON

setsid "$program" "$dir/orthanc.json" >"$dir/orthanc.log" 2>&1 < /dev/null &
echo $! > "$dir/orthanc.pid"

url="http://127.0.0.1:$http_port"
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/system', timeout=1)" "$url" 2>/dev/null; then
        cat > "$dir/orthanc.env" <<ENV
export MEDVMAD_ORTHANC_URL=$url
export MEDVMAD_ORTHANC_DICOM_PORT=$dicom_port
export MEDVMAD_ORTHANC_AET=$aet
ENV
        cat "$dir/orthanc.env"
        exit 0
    fi
    kill -0 "$(cat "$dir/orthanc.pid")" 2>/dev/null || break
    sleep 0.2
done
echo "Orthanc did not come up; see $dir/orthanc.log" >&2
tail -n 20 "$dir/orthanc.log" >&2 || true
bash "$0" stop "$dir"
exit 1

#!/bin/sh
# Prepares mosquitto's password and ACL files, then runs it.
#
# Passwords: with MOSQUITTO_USERS set to space-separated user:password pairs, e.g.
#   MOSQUITTO_USERS="hub:$MQTT_HUB_PASSWORD wh-1:$EDGE_WH_1_PASSWORD"
# a fresh password file is hashed here with mosquitto_passwd (passwords must not contain
# spaces). Without it, the committed passwordfile.example is used: the demo accounts
# hub / demo-hub and wh-1 / demo-edge-wh-1, already in mosquitto_passwd's format
# (user:$7$101$<base64 salt>$<base64 PBKDF2-SHA512 hash>), so no clear-text password is
# committed. The demo accounts are for trying the stack out, never for a site.
set -eu

CONFIG=/mosquitto/config
AUTH=/mosquitto/auth
mkdir -p "$AUTH"

if [ -n "${MOSQUITTO_USERS:-}" ]; then
  rm -f "$AUTH/passwordfile"
  create=-c
  for pair in $MOSQUITTO_USERS; do
    user="${pair%%:*}"
    password="${pair#*:}"
    if [ -z "$user" ] || [ "$user" = "$pair" ]; then
      echo "entrypoint: MOSQUITTO_USERS entry for \"$user\" is not user:password" >&2
      exit 1
    fi
    mosquitto_passwd $create -b "$AUTH/passwordfile" "$user" "$password"
    create=
  done
  echo "entrypoint: password file written for: $(cut -d: -f1 "$AUTH/passwordfile" | tr '\n' ' ')"
else
  cp "$CONFIG/passwordfile.example" "$AUTH/passwordfile"
  echo "entrypoint: MOSQUITTO_USERS not set, using the demo accounts of passwordfile.example"
fi
cp "$CONFIG/acl" "$AUTH/acl"

# mosquitto runs as user mosquitto and warns about (later versions refuse) files others can read.
chown -R mosquitto:mosquitto "$AUTH" /mosquitto/data
chmod 0700 "$AUTH"
chmod 0600 "$AUTH/passwordfile" "$AUTH/acl"

exec mosquitto -c "$CONFIG/mosquitto.conf"

#!/usr/bin/env bash
# `npm run preview [-- --stack S]`: pulumi preview of the stack (--stack, else KUBESTRAP_STACK,
# else dev) with kubestrap's policy pack (policy/), configured for the stack's environment. A mandatory violation fails it.
# The stack's waivers and settings, if any, come from KUBESTRAP_POLICY_CONFIG (default
# policy/<stack>.json), e.g. {"service-exposure": {"loadBalancerNamespaces": ["ingress-nginx"]}}.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$here/scripts/stack-args.sh"
take_stack_args "$@"
file=$("$here/scripts/stack-target.sh" "$stack" file)
# A --config-file given here is the stack's config for this run.
for i in "${!args[@]}"; do
    [ "${args[$i]}" != --config-file ] || file=${args[$((i + 1))]:-$file}
done
environment=$("$here/scripts/stack-target.sh" "$stack" environment --file "$file")
config=$(mktemp)
trap 'rm -f "$config"' EXIT
waivers=${KUBESTRAP_POLICY_CONFIG:-$here/policy/$stack.json}
node -e '
const [file, environment, out] = process.argv.slice(1);
const fs = require("fs");
const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
for (const name of ["protect-data-in-prod", "protect-k3s-servers-in-prod"]) {
    const protect = config[name];
    if (protect !== "disabled" && protect?.enforcementLevel !== "disabled") config[name] = { ...protect, environment };
}
fs.writeFileSync(out, JSON.stringify(config));
' "$waivers" "$environment" "$config"
"$here/scripts/pulumi.sh" preview --policy-pack "$here/policy" --policy-pack-config "$config" "${args[@]}"

#!/usr/bin/env bash
# Prints how many resources the current stack's state holds (0 for a new or destroyed stack).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/pulumi.sh" stack export |
    node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log((JSON.parse(s).deployment.resources||[]).length))'

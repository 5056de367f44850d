#!/usr/bin/env bash
# The action's check step: one run for code scanning (SARIF to AR_SARIF), one for the job
# summary (Markdown appended to $GITHUB_STEP_SUMMARY); the exit status goes to the step's
# outputs (the last step fails the job with it, after the SARIF upload).
set -uo pipefail
command="${AR_COMMAND:-check}"  # (the tests run lint when check is not there yet)
args=("${AR_PATH:-.}" --fail-on "${AR_FAIL_ON:-error}")
if [ "$command" = check ]; then
  args+=(--alpine "${AR_ALPINE:-3.23}")
  if [ -n "${AR_IMAGE:-}" ]; then
    args+=(--image "$AR_IMAGE")
  fi
else
  args[0]="${AR_PATH:-.}/Dockerfile"
fi
sarif="${AR_SARIF:-alpine-ready.sarif}"

status=0
alpine-ready "$command" "${args[@]}" --format sarif -o "$sarif" || status=$?
if [ "$status" -ge 2 ]; then
  echo "::error::alpine-ready $command could not run (exit status $status)"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  alpine-ready "$command" "${args[@]}" --format markdown >> "$GITHUB_STEP_SUMMARY" || true
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
  if [ -f "$sarif" ]; then
    echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
  fi
fi
exit 0

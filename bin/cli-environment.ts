/**
 * Imported first by the CLI, before any module that reads these variables when it loads. The handlers the CLI
 * runs (nightly, import) write JSON log lines and metrics for CloudWatch; at a terminal, the command's own
 * output is what a person reads. Set the variables yourself to see everything.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// Lambda runs Node 22; on a Node 20 workstation the SDK's upgrade notice would only clutter the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

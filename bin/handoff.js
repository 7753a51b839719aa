#!/usr/bin/env node
// The CLI is TypeScript like the rest of Handoff; tsx runs it without a build step.
import { register } from 'tsx/esm/api';

// Lambda runs Node 22; on a Node 20 workstation the SDK's upgrade notice would only clutter the CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./handoff.ts');

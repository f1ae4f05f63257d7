// compose: docker-compose files read (load.ts) and translated into WebApps and Jobs (translate.ts,
// pure), the ComposeApp that deploys a translation, and a compose app's entry in `kubestrap:apps`.
export { ComposeApp, type ComposeAppArgs } from "./compose-app";
export { translateCompose, type ComposeTranslation, type TranslateOptions } from "./translate";
export { loadCompose } from "./load";
export { composeApp as composeAppSchema, type ParsedComposeApp, type ResolvedComposeApp } from "./config";

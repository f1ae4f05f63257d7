// kubestrap:staticSites: websites nginx serves from a folder of this repository or from an image.
import { z } from "zod";
import { contentProblem, defaultHealthPath, healthPathProblem, sitePathProblem } from "./static-site-specs";
import { checked, dnsName, image, ingress, resources, uniquePerNamespace } from "../core/primitives";

const seconds = z.number().int().min(0);

export const staticSite = z.object({
    name: dnsName,
    namespace: dnsName.default("apps"),
    /** A folder of this repository (relative to the project directory), served from a ConfigMap: 900 KiB at most. */
    directory: z.string().min(1).pipe(checked(contentProblem)).optional(),
    /** A pinned image holding the built site at `path`, copied into the pod before nginx starts. */
    image: image.optional(),
    /** Where the site sits inside `image`; default /site. */
    path: checked(sitePathProblem).optional(),
    /** Defaults to the environment's (prod: 2). */
    replicas: z.number().int().min(0).optional(),
    ingress: ingress.optional(),
    cache: z.object({
        /** Unset: pages are `no-cache` (revalidated on every visit). */
        htmlMaxAge: seconds.optional(),
        /** Files with a content hash in their name; unset: a year, immutable. */
        assetsMaxAge: seconds.optional(),
        otherMaxAge: seconds.default(300),
    }).strict().default({}),
    /** Serve /index.html for paths that are no file (a single-page app's routes). */
    spa: z.boolean().default(false),
    healthPath: checked(healthPathProblem).default(defaultHealthPath),
    resources: resources.optional(),
}).strict().superRefine((site, ctx) => {
    if ((site.directory === undefined) === (site.image === undefined)) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: 'set one of directory (a folder of this repository, up to 900 KiB) or image (a pinned image holding the built site, e.g. {"image": "ghcr.io/acme/site:1.0.0"})',
        });
    }
    if (site.path !== undefined && site.image === undefined) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["path"],
            message: "is where the site sits inside image; a directory is served as it is: remove path, or serve an image",
        });
    }
});
export type StaticSiteConfig = z.infer<typeof staticSite>;

export const staticSites = z.array(staticSite).default([]).superRefine((list, ctx) =>
    uniquePerNamespace(list, ctx, "static site", "names must be unique per namespace"));
export type StaticSitesConfig = z.infer<typeof staticSites>;

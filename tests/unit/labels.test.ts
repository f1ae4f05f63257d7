// Label values the API server takes, however long the names they come from (a compose app's
// instance is <namespace>-<app>-<service>): kept as they are when valid, so no object changes.
import * as assert from "assert";
import { labelValue, selectorLabels, standardLabels } from "../../core/labels";

const valid = (v: string) => v.length <= 63 && /^([A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?)?$/.test(v);

describe("label values", () => {
    it("keeps every value that is valid already (existing objects and selectors do not change)", () => {
        for (const v of ["apps-hello", "demon-system-nats", "a".repeat(63), "Backend", "web_1.2", ""]) assert.strictEqual(labelValue(v), v);
    });

    it("shortens a longer one to 63 characters or fewer, deterministically, keeping its start", () => {
        const instance = "self-hosted-photos-immich-machine-learning-worker-with-a-long-suffix-2";
        const short = labelValue(instance);
        assert.ok(valid(short), short);
        assert.strictEqual(short, labelValue(instance), "not the same every run");
        assert.ok(short.startsWith("self-hosted-photos-immich-machine-learning-worker-wi"), short);
        assert.notStrictEqual(labelValue(`${instance}x`), short, "two long names share a value");
        assert.ok(valid(labelValue("-leading.and.trailing-" + "x".repeat(70) + "-")));
    });

    it("is applied to every standard label and selector", () => {
        const long = "n".repeat(40) + "-" + "a".repeat(40);
        for (const labels of [standardLabels({ name: long, instance: long, component: long, partOf: long }), selectorLabels({ name: long, instance: long })]) {
            for (const [k, v] of Object.entries(labels)) assert.ok(valid(v), `${k}=${v}`);
        }
    });
});

// The SDK's own queue of resource RPCs (registrations included) is @internal in @pulumi/pulumi 3.x
// (runtime/settings `waitForRPCs`, runtime/state `rpcDone`); read here so a caller running components
// under mocks (the translate tool, the unit tests) waits for registrations to end instead of sleeping.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore: () => { settings: { rpcDone: Promise<void> } } };

/**
 * Resolves once no registration is in flight and none starts in a further turn of the event loop (one
 * an apply callback makes): only then has every resource the program will register reached the mocks.
 */
export async function settleRegistrations(): Promise<void> {
    for (let turn = 0; turn < 1000; turn++) {
        await waitForRPCs();
        const queue = getStore().settings.rpcDone;
        await new Promise((r) => setImmediate(r));
        if (getStore().settings.rpcDone === queue) return;
    }
    throw new Error("registrations never settled: something registers resources in a loop");
}

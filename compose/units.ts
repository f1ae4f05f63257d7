// Compose's units as Docker reads them, written as Kubernetes wants them.

const goDurationUnits: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("1m30s", "500ms", "2h") in whole seconds, rounded up; undefined when it is not one. */
export function composeSeconds(text: string | number): number | undefined {
    if (typeof text === "number") return Math.ceil(text / 1e9); // Compose reads bare numbers as nanoseconds
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
    return Math.ceil(parts.reduce((sum, [, n, unit]) => sum + Number(n) * goDurationUnits[unit], 0));
}

const byteUnits: Record<string, [number, string]> = {
    "": [1, ""], b: [1, ""], k: [1024, "Ki"], m: [1024 ** 2, "Mi"], g: [1024 ** 3, "Gi"], t: [1024 ** 4, "Ti"], p: [1024 ** 5, "Pi"],
};

/** Docker's byte sizes ("512m", "1GB", "300M", "1Gi", "2GiB": binary units, as go-units reads them) as a Kubernetes quantity ("512Mi"). */
export function composeBytes(text: string | number): string | undefined {
    if (typeof text === "number") return String(text);
    const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(text.trim());
    if (!m) return undefined;
    const [value, unit] = [Number(m[1]), m[2].toLowerCase()];
    if (Number.isInteger(value)) return `${value}${byteUnits[unit][1]}`;
    return String(Math.ceil(value * byteUnits[unit][0]));
}

/** Compose's `cpus` ("0.5", 1.5) as millicores ("500m"). */
export function composeCpus(value: string | number): string | undefined {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return `${Math.round(n * 1000)}m`;
}

/** Compose reads these boolean spellings where a value was interpolated into a string. */
export const flag = (value: unknown) => value === true || (typeof value === "string" && /^(true|yes|y|on)$/i.test(value));

/** Whole days from `now` until `when` (negative once past). */
export const daysUntil = (when: Date, now: Date) => Math.floor((when.getTime() - now.getTime()) / 86400000);

// An age as kubectl prints one: 45s, 12m, 5h, 3d.
export function age(seconds: number): string {
    if (seconds < 120) return `${seconds}s`;
    if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
    if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
    return `${Math.floor(seconds / 86400)}d`;
}

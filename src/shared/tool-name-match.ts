// How the Activity screen's Tool filter matches a tool name: any part of it, in any case. One
// definition for the history store (which picks the names to query) and the renderer (which
// decides whether a live call belongs to the filtered list), so both agree on every row.

export function toolNameContains(name: string, part: string): boolean {
  return name.toLowerCase().includes(part.toLowerCase());
}

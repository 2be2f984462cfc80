// Edits of a draft plan with If-Match, and undo / redo across the session's edits.
//
// Every edit sends the plan's ETag ("plan-{id}-v{version}"); a 412 (someone else edited
// first) is thrown with status 412 and changes nothing. Undo applies the inverse edit,
// worked out from the grids before and after:
//   move  — the buildings moved back, one move per grid they came from;
//   split — the two halves merged again (the first grid's code is kept, as before);
//   merge — the merged grid split in halves, then every building moved back to its side,
//           so the retired grid comes back with the next free code;
//   lock  — the lock toggled back;
//   rebalance — every building of the community sent back to the grid it was in
//           (/edits/reassign): each building's grid is restored, cells without
//           buildings join a neighbouring grid.
// Redo sends the undone edit again. An undo is itself an edit: a new version.
import { me } from "/static/session.js";

export const etag = (plan) => `"plan-${plan.id}-v${plan.version}"`;

// POST an edit ({kind: move|split|merge|lock|rebalance|reassign, body}) to the plan at `version`; the answer is
// the plan after it (grids_now, broken_rules, report, version).
export async function send(plan, { kind, body }) {
  const { csrf_token: token } = await me();
  const response = await fetch(`/api/v1/plans/${plan.id}/edits/${kind}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json",
      "If-Match": etag(plan), ...(token ? { "X-CSRF-Token": token } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    throw Object.assign(new Error(answer.detail || response.statusText),
      { status: response.status, problem: answer });
  }
  return answer;
}

// The session's edits: each done edit with what undoes it.
export class History {
  constructor() { this.done = []; this.undone = []; }

  // Remember `edit` done on a plan whose building → grid was `before` (a Map).
  push(edit, before) {
    this.done.push({ edit, before });
    this.undone = [];
  }

  clear() { this.done = []; this.undone = []; }
}

// The edits that undo `entry` ({edit, before}); a "restore" step (after the split that
// undoes a merge) is the page's: the moves that put each building back on its side.
export function inverse({ edit, before }) {
  if (edit.kind === "move") {
    const back = new Map();
    for (const code of edit.body.buildings) {
      const grid = before.get(code);
      back.set(grid, [...(back.get(grid) ?? []), code]);
    }
    return [...back].map(([grid, buildings]) => ({ kind: "move", body: { buildings, grid } }));
  }
  if (edit.kind === "split") return [{ kind: "merge", body: { grids: [edit.body.grid, edit.made] } }];
  if (edit.kind === "lock") return [{ kind: "lock", body: { ...edit.body, locked: !edit.body.locked } }];
  if (edit.kind === "rebalance") {
    const { community } = edit.body;
    const buildings = Object.fromEntries([...before].filter(([, g]) => g.startsWith(community)));
    return [{ kind: "reassign", body: { community, buildings } }];
  }
  // merge [a, b]: halve a, then each building back to a or to the new grid standing for b
  const [a, b] = edit.body.grids;
  return [
    { kind: "split", body: { grid: a, line: null } },
    { kind: "restore", a, b, buildings: [...before].filter(([, g]) => g === a || g === b) },
  ];
}

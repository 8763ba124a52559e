/**
 * A Hugging Face Hub model id as a spec names it: `<org>/<name>[@<revision>]`. The revision is a
 * branch, a tag, a commit hash or a pull-request ref such as `refs/pr/3`; it defaults to `main`.
 */
export interface HubRef {
  repo: string;
  revision: string;
}

const PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REVISION = /^[A-Za-z0-9._-][A-Za-z0-9._/-]*$/;
export const COMMIT = /^[0-9a-f]{40}$/;

/** The id `s` names, or undefined when `s` is not shaped like one (then it can only be a folder). */
export function parseHubId(s: string): HubRef | undefined {
  const at = s.indexOf("@");
  const repo = at < 0 ? s : s.slice(0, at);
  const revision = at < 0 ? "main" : s.slice(at + 1);
  const parts = repo.split("/");
  if (parts.length !== 2 || !parts.every((p) => PART.test(p) && !p.includes(".."))) return undefined;
  if (!REVISION.test(revision) || revision.split("/").some((p) => p === "" || p === "..")) return undefined;
  return { repo, revision };
}

export function formatHubRef(ref: HubRef): string {
  return ref.revision === "main" ? ref.repo : `${ref.repo}@${ref.revision}`;
}

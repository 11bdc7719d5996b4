import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { insertPost, testEnv } from "./helpers";

const repost = (postId: string, accountId: string, repostPostId?: string) =>
  call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId, ...(repostPostId ? { repostPostId } : {}) } });

/** Every post's root by following the chain; throws on a loop (more steps than edges). */
async function assertForest(posts: string[]): Promise<Map<string, string>> {
  const { results } = await testEnv.DB.prepare(`SELECT repost_post_id, root_post_id FROM repost_chain`).all<{ repost_post_id: string; root_post_id: string }>();
  const parent = new Map(results.map((r) => [r.repost_post_id, r.root_post_id]));
  const roots = new Map<string, string>();
  for (const p of posts) {
    let at = p;
    for (let steps = 0; parent.has(at); steps++) {
      if (steps > parent.size) throw new Error(`repost chain loops through ${p}`);
      at = parent.get(at)!;
    }
    roots.set(p, at);
  }
  // Flat: a root is never itself a repost, so one step always reaches it.
  for (const root of parent.values()) expect(parent.has(root)).toBe(false);
  return roots;
}

/** Fires the requests at once; each must succeed or lose with 409 repost_chain_conflict. */
async function race(requests: (() => Promise<Response>)[]): Promise<number> {
  const responses = await Promise.all(requests.map((r) => r()));
  let won = 0;
  for (const res of responses) {
    if (res.status === 200) won++;
    else {
      expect(res.status).toBe(409);
      expect((await problem(res)).code).toBe("repost_chain_conflict");
    }
  }
  return won;
}

describe("the repost chain stays a forest", () => {
  it("two opposite reposts of never-counted posts: exactly one wins, the other gets 409, no loop (many rounds)", async () => {
    for (let round = 0; round < 25; round++) {
      const [x, y] = [await insertPost(), await insertPost()];
      const won = await race([() => repost(x, `a-${round}`, y), () => repost(y, `b-${round}`, x)]);
      expect(won).toBe(1);
      const roots = await assertForest([x, y]);
      expect(roots.get(x)).toBe(roots.get(y));
      // Whichever won, the winner's root counted one repost and the other post resolves to it.
      const root = roots.get(x)!;
      const live = (await (await call(`/v1/posts/${x === root ? y : x}/spread?live=1`, { role: "app" })).json()) as { rootPostId: string; reposts: number };
      expect(live).toMatchObject({ rootPostId: root, reposts: 1 });
    }
  });

  it("a three-way cycle X→Y→Z→X fired at once leaves a forest; every success counts toward its root", async () => {
    for (let round = 0; round < 15; round++) {
      const [x, y, z] = [await insertPost(), await insertPost(), await insertPost()];
      const won = await race([() => repost(x, "u1", y), () => repost(y, "u2", z), () => repost(z, "u3", x)]);
      // The first edge always wins; a second may follow the first to its root (Y→X, then Z→X).
      expect(won).toBeGreaterThanOrEqual(1);
      const roots = await assertForest([x, y, z]);
      const distinct = [...new Set(roots.values())];
      expect(distinct.length).toBe(3 - won);
      let counted = 0;
      for (const root of distinct) counted += ((await (await call(`/v1/posts/${root}/spread?live=1`, { role: "app" })).json()) as { reposts: number }).reposts;
      expect(counted).toBe(won);
    }
  });

  it("refuses closing a loop sequentially: reposting a post's own root as its repost", async () => {
    const [x, y, z] = [await insertPost(), await insertPost(), await insertPost()];
    expect((await repost(x, "u1", y)).status).toBe(200); // y -> x
    expect((await repost(y, "u2", z)).status).toBe(200); // z -> x (through y)
    for (const [post, child] of [[y, x], [z, x]] as const) {
      const res = await repost(post, "u3", child);
      expect(res.status).toBe(409);
      expect((await problem(res)).code).toBe("repost_chain_conflict");
    }
    const roots = await assertForest([x, y, z]);
    expect([roots.get(x), roots.get(y), roots.get(z)]).toEqual([x, x, x]);
  });

  it("a repost of a post chained meanwhile follows it to its current root", async () => {
    for (let round = 0; round < 10; round++) {
      const [root, mid, leaf] = [await insertPost(), await insertPost(), await insertPost()];
      // mid becomes a repost of root while leaf is recorded as a repost of mid.
      const [a, b] = await Promise.all([repost(root, "u1", mid), repost(mid, "u2", leaf)]);
      // leaf's edge always goes in; mid can still be chained only if it has no reposts yet.
      expect(b.status).toBe(200);
      const roots = await assertForest([root, mid, leaf]);
      if (a.status === 200) {
        expect(roots.get(leaf)).toBe(root);
        expect(((await b.json()) as { rootPostId: string }).rootPostId).toBe(root);
      } else {
        expect((await problem(a)).code).toBe("repost_chain_conflict");
        expect(roots.get(leaf)).toBe(mid);
      }
    }
  });

  it("the database itself refuses an edge that would break the forest", async () => {
    const [x, y] = [await insertPost(), await insertPost()];
    await testEnv.DB.prepare(`INSERT INTO repost_chain (repost_post_id, root_post_id, created_at) VALUES (?, ?, 0)`).bind(y, x).run();
    for (const [child, root] of [[x, y], [x, x], ["pst_other000000001", y]]) {
      await expect(testEnv.DB.prepare(`INSERT INTO repost_chain (repost_post_id, root_post_id, created_at) VALUES (?, ?, 0)`).bind(child, root).run()).rejects.toThrow(/repost_chain_not_a_forest/);
    }
    await expect(testEnv.DB.prepare(`UPDATE repost_chain SET root_post_id = ? WHERE repost_post_id = ?`).bind("pst_other000000001", y).run()).rejects.toThrow(/append_only/);
  });
});

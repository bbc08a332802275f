import { parseDuration } from '../shared/duration.js';
import type { Logger } from '../shared/log.js';
import type { DirectiveKind } from '../shared/domain.js';
import type { Hello__Output } from '../shared/gen/fleetswap/v1/Hello.js';
import { COORDINATOR_ACTOR, type AuditLog } from './audit.js';
import type { Clock } from './rollout.js';
import type { HostRow, RolloutRow, Store } from './store.js';

/** What the join rule needs from the rollout engine: directives stored with their record, then sent (halt respected). */
export interface Giving {
  give(hostId: string, kinds: readonly DirectiveKind[], releaseId: string, record: () => Promise<void>): Promise<void>;
}

/** The history action of a release the rule gave; a host whose newest change is one keeps following the rule. */
const JOIN = 'join';
const JOINED = 'joined';

/** What the rule found for a host: the release, and the rollout that put it live. */
interface RuleAnswer {
  release: string;
  rollout: RolloutRow;
}

/**
 * JoinRule gives a host that joins the fleet the release its peers run, so a
 * new or re-imaged host never stays behind with nothing (Knight Capital's
 * eighth server). A host with no desired release is given the one the newest
 * complete rollout (deploy or rollback) whose selection covers its tags put
 * live; a host that comes back with an empty root is given its own desired
 * release again. An empty host is staged and switched like any other (one
 * ACTIVATE, or STAGE now and ACTIVATE at unhalt while halted); a host that
 * already serves a release is only given the desired release, and the drift
 * policy decides about any difference. Hosts of the active rollout are left
 * to it: it fixed its hosts at deploy. Every release given is in the history
 * and the audit log (by the coordinator, reason "joined").
 */
export class JoinRule {
  /** The newest complete rollout the hosts that joined were checked against; -1 until the first tick. */
  private followed = -1;

  constructor(
    private readonly store: Store,
    private readonly engine: Giving,
    private readonly audit: AuditLog,
    private readonly now: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * onHello applies the rule to a host that just said hello. It returns true
   * when the hello was a join it took care of: a host arriving with nothing
   * live is converging, not drifting.
   */
  async onHello(host: HostRow, hello: Hello__Output): Promise<boolean> {
    const empty = hello.live_release === '' && hello.slots.length === 0;
    if (host.desired_release && !empty) return false;
    if (await this.inActiveRollout(host.id)) return false;
    if (host.desired_release) {
      // Re-imaged: its desired release stands (it may come from a rollback of this host alone), so the
      // history has no change to record; the audit log says it came back empty and was given it again.
      await this.give(host, host.desired_release, async () => {
        await this.audit.append({ actor: COORDINATOR_ACTOR, action: 'rejoin', target: host.id, reason: JOINED, detail: { release: host.desired_release, empty_root: true } });
      });
      this.log.info({ host: host.id, release: host.desired_release }, 'host came back with an empty root: given its desired release again');
      return true;
    }
    const answer = await this.ruleFor(host.tags);
    if (!answer) {
      this.log.info({ host: host.id, release: hello.live_release || undefined }, 'host has no release: no complete rollout covers its tags');
      return false;
    }
    await this.join(host, answer, JOINED);
    return !hello.live_release;
  }

  /**
   * tick follows rollouts that complete after hosts joined: a host that
   * joined while a rollout ran was given the release before it, and takes
   * this one once it is complete, as it would had it joined a moment later.
   * Hosts with no release yet are checked again too. Reads the history only
   * when a rollout has completed since the last look (and once after a start).
   */
  async tick(): Promise<void> {
    const newest = await this.store.rollouts.newestCompleted();
    if (newest === this.followed) return;
    this.followed = newest;
    const lastAction = new Map<string, string>();
    for (const c of await this.store.desired.all()) for (const h of c.hosts) lastAction.set(h, c.action);
    const active = await this.store.rollouts.active();
    const rollouts = await this.store.rollouts.completed();
    for (const host of await this.store.hosts.all()) {
      if (host.desired_release && lastAction.get(host.id) !== JOIN) continue;
      if (active && (await this.store.rolloutHosts.get(active.id, host.id))) continue;
      const answer = await this.ruleFor(host.tags, Infinity, rollouts);
      if (!answer || answer.release === host.desired_release) continue;
      await this.join(host, answer, host.desired_release ? `${JOINED} (before rollout #${answer.rollout.id} completed)` : JOINED);
    }
  }

  /** join makes the rule's answer the host's desired release, with its history and audit entries. */
  private async join(host: HostRow, answer: RuleAnswer, reason: string): Promise<void> {
    const at = this.now();
    let raced = false;
    const record = async (): Promise<void> => {
      // The hello and the tick may both find a host with no release; the
      // second to get here finds the first's answer already recorded.
      const current = await this.store.hosts.get(host.id);
      if ((current?.desired_release ?? '') !== host.desired_release) {
        raced = true;
        throw new JoinRaced();
      }
      await this.store.desired.record({ at_ms: at, actor: COORDINATOR_ACTOR, reason, action: JOIN, from_release: host.desired_release || host.live_release, to_release: answer.release, hosts: [host.id] });
      await this.audit.append({
        actor: COORDINATOR_ACTOR,
        action: JOIN,
        target: host.id,
        reason,
        detail: { release: answer.release, rollout: answer.rollout.id, select: answer.rollout.selector, live: host.live_release },
      });
    };
    try {
      if (host.live_release && !host.desired_release) {
        // It arrived serving something of its own: record what it should serve. If that is another
        // release, it is version drift, and the drift policy (revert or report) decides, as for any host.
        await this.store.tx(async () => {
          await record();
          await this.store.hosts.setDesiredRelease(host.id, answer.release);
        });
      } else {
        await this.give(host, answer.release, record);
      }
    } catch (err) {
      if (raced) return;
      throw err;
    }
    this.log.info({ host: host.id, release: answer.release, rollout: answer.rollout.id, live: host.live_release || undefined }, 'host joined: given the release its rollout put live');
  }

  /** give stages and switches an empty host; while halted it stages now and switches at unhalt. */
  private async give(host: HostRow, release: string, record: () => Promise<void>): Promise<void> {
    const kinds: DirectiveKind[] = (await this.store.meta.halt()).halted ? ['STAGE', 'ACTIVATE'] : ['ACTIVATE'];
    await this.engine.give(host.id, kinds, release, record);
  }

  private async inActiveRollout(hostId: string): Promise<boolean> {
    const active = await this.store.rollouts.active();
    return active !== undefined && (await this.store.rolloutHosts.get(active.id, hostId)) !== undefined;
  }

  /**
   * ruleFor is the release a host with these tags is given: the newest
   * rollout that ended complete by `asOf` and whose selection covers the
   * tags. A rollback to a past moment (`--to 6h`) sent each host to what it
   * was meant to run then, so hosts may have gone to different releases:
   * a host joining is given what the rule gave as of that moment, that is,
   * what it would have run had it joined then; if nothing covered it then,
   * the release most of the rollback's hosts went to.
   */
  private async ruleFor(tags: Record<string, string>, asOf = Infinity, known?: RolloutRow[]): Promise<RuleAnswer | undefined> {
    const rollouts = known ?? (await this.store.rollouts.completed());
    for (const r of rollouts) {
      if (r.updated_at_ms > asOf || !covers(r.selector, tags)) continue;
      const moment = await this.rollbackMoment(r);
      if (moment === undefined) return { release: r.release_id, rollout: r };
      return (await this.ruleFor(tags, moment, rollouts)) ?? { release: r.release_id, rollout: r };
    }
    return undefined;
  }

  /** rollbackMoment is the moment a rollback sent its hosts back to, if they went to different releases. */
  private async rollbackMoment(r: RolloutRow): Promise<number | undefined> {
    if (r.kind !== 'rollback' || !(await this.store.rolloutHosts.of(r.id)).some((h) => h.target)) return undefined;
    // rollout/actions.ts records such a rollback in the history as "rollback to DURATION ago", at its start.
    const change = (await this.store.desired.all()).find((c) => c.at_ms === r.created_at_ms && ROLLBACK_TO.test(c.action));
    const duration = change ? ROLLBACK_TO.exec(change.action)?.[1] : undefined;
    return duration ? r.created_at_ms - parseDuration(duration) : undefined;
  }
}

const ROLLBACK_TO = /^rollback to (\S+) ago/;

/** covers: a rollout's selection covers a host when every tag it names has the host's value (no selection: every host). */
function covers(selector: Record<string, string>, tags: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => tags[k] === v);
}

/** JoinRaced undoes a join another path recorded first (thrown inside its transaction, so nothing of it lands). */
class JoinRaced extends Error {}

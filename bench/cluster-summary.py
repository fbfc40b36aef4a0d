#!/usr/bin/env python3
"""summary.md of a bench/drill-cluster.sh result folder: one row per run and the medians (failover), or per node
(scale)."""
import glob
import json
import os
import statistics
import sys


def get(d, path):
    for key in path.split("."):
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


FAILOVER = [
    ("sent", "sent_total"),
    ("skipped", "skipped_while_down"),
    ("dropped (killed node)", "failover.all.dropped"),
    ("resumed ≤ 3 s of kill, share", "failover.all.share_resumed_within_3s_of_kill"),
    ("visitors ≤ 3 s", "failover.visitors.share_resumed_within_3s_of_kill"),
    ("agents ≤ 3 s", "failover.agents.share_resumed_within_3s_of_kill"),
    ("resumed p50 ms", "failover.all.resumed_after_kill_p50_ms"),
    ("resumed p95 ms", "failover.all.resumed_after_kill_p95_ms"),
    ("resumed max ms", "failover.all.resumed_after_kill_max_ms"),
    ("dropped elsewhere", "failover.dropped_not_from_killed_node"),
    ("not acked", "check.not_acked"),
    ("lost (SQL)", "check.db_lost_acked"),
    ("duplicates (SQL)", "check.db_duplicates"),
    ("dialogs with seq gaps (SQL)", "check.db_dialogs_with_seq_gaps"),
    ("delivered twice", "check.delivered_to_peer_more_than_once"),
    ("acked, not delivered", "check.acked_not_delivered_to_peer"),
    ("client missing seqs", "check.client_missing_seqs"),
    ("assigned at kill", "dialogs.assigned_at_crash"),
    ("same agent after", "dialogs.still_assigned_same_agent"),
    ("other agent after", "dialogs.assigned_to_another_agent"),
    ("v→a same node p50 ms", "latency_before_kill.visitor_to_agent_same_node.p50_ms"),
    ("v→a same node p99 ms", "latency_before_kill.visitor_to_agent_same_node.p99_ms"),
    ("v→a cross node p50 ms", "latency_before_kill.visitor_to_agent_cross_node.p50_ms"),
    ("v→a cross node p99 ms", "latency_before_kill.visitor_to_agent_cross_node.p99_ms"),
    ("v→a same node count", "latency_before_kill.visitor_to_agent_same_node.count"),
    ("v→a cross node count", "latency_before_kill.visitor_to_agent_cross_node.count"),
    ("a→v same node p99 ms", "latency_before_kill.agent_to_visitor_same_node.p99_ms"),
    ("a→v cross node p99 ms", "latency_before_kill.agent_to_visitor_cross_node.p99_ms"),
    ("Redis outage s", "latency_redis.outage_s"),
    ("10 s before outage p99 ms", "latency_redis.before_outage_10s.p99_ms"),
    ("during outage p50 ms", "latency_redis.during_outage.p50_ms"),
    ("during outage p99 ms", "latency_redis.during_outage.p99_ms"),
    ("during outage max ms", "latency_redis.during_outage.max_ms"),
    ("outage after 5 s p99 ms", "latency_redis.during_outage_after_first_5s.p99_ms"),
    ("after outage p99 ms", "latency_redis.after_outage.p99_ms"),
    ("offline forms posted", "mail.forms_submitted"),
    ("forms acknowledged (201)", "mail.forms_acknowledged"),
    ("forms given up", "mail.forms_failed"),
    ("form retries", "mail.form_retries"),
    ("forms in PostgreSQL", "mail.forms_in_db"),
    ("form mails at the SMTP sink", "mail.mails_received"),
    ("forms without mail", "mail.missing"),
    ("forms mailed twice or more", "mail.duplicated_forms"),
    ("duplicate mails", "mail.duplicate_mails"),
    ("SMTP sessions cut by the kill (mails in flight)", "mail.mails_in_flight_at_kill"),
    ("mails handed over, 250 not seen", "mail.mails_unconfirmed"),
    ("outbox entries tried more than once", "mail.outbox_entries_attempted_more_than_once"),
    ("last mail after kill s", "mail.last_mail_after_kill_s"),
    ("last mail after load end s", "mail.last_mail_after_load_end_s"),
    ("readiness polls not UP", "events.readiness_not_up"),
    ("readiness polls", "events.readiness_polls"),
]


def failover(runs):
    names = [os.path.basename(f)[:-5] for f, _ in runs]
    rows = ["| | " + " | ".join(names) + " | median |", "|---" * (len(runs) + 2) + "|"]
    for label, path in FAILOVER:
        values = []
        for _, r in runs:
            v = get(r, path)
            if isinstance(v, str):
                try:
                    v = float(v) if "." in v else int(v)
                except ValueError:
                    pass
            values.append(v)
        rows.append(f"| {label} | " + " | ".join(fmt(v) for v in values) + f" | {fmt(median(values))} |")
    # node started while Redis was down: ms from Redis down and from its start to readiness
    extra = []
    for name, (_, r) in zip(names, runs):
        ev = r.get("events", {})
        try:
            down, start, ready = int(ev["redis_down_ms"]), int(ev["node_start_ms"]), int(ev["node_ready_ms"])
            up = int(ev["redis_up_ms"])
            extra.append(f"- {name}: node3b started {start - down} ms after Redis went down, ready {ready - start} ms "
                         f"after its start, {up - ready} ms before Redis came back")
        except (KeyError, ValueError):
            extra.append(f"- {name}: node3b not ready while Redis was down (events {ev})")
    return "\n".join(rows) + "\n\nA node started while Redis was down:\n" + "\n".join(extra) + "\n"


def scale(runs):
    rows = ["| node | sockets open at end | upgrade failures | heap used after GC, MB (baseline → loaded) | "
            "RSS, MB (baseline → loaded) | heap B/socket | RSS B/socket |", "|---|---|---|---|---|---|---|"]
    for f, r in runs:
        mb = lambda v: f"{v / 1048576:.0f}" if isinstance(v, (int, float)) else "–"
        rows.append("| {} | {} | {} | {} → {} | {} → {} | {} | {} |".format(
            r.get("target"), r.get("open_at_end"), r.get("upgrade_failures"),
            mb(get(r, "baseline.heap_used_after_gc_bytes")), mb(get(r, "loaded.heap_used_after_gc_bytes")),
            mb(get(r, "baseline.rss_bytes")), mb(get(r, "loaded.rss_bytes")),
            fmt(r.get("heap_bytes_per_connection")), fmt(r.get("rss_bytes_per_connection"))))
    return "\n".join(rows) + "\n"


def main():
    folder = sys.argv[1]
    runs = []
    for f in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(f) as fh:
            run = json.load(fh)
        # the script's events file is complete; the generator's copy is as it was when its check ran
        events = f[:-5] + ".events"
        if os.path.exists(events):
            run["events"] = dict(line.strip().split("=", 1) for line in open(events) if "=" in line)
        runs.append((f, run))
    out = []
    env = os.path.join(folder, "environment.txt")
    if os.path.exists(env):
        out.append("```\n" + open(env).read().strip() + "\n```\n")
    cluster = [(f, r) for f, r in runs if r.get("scenario") == "cluster"]
    idle = [(f, r) for f, r in runs if r.get("scenario") != "cluster"]
    if cluster:
        out.append(failover(cluster))
    if idle:
        out.append(scale(idle))
    peak = os.path.join(folder, "scale.peak")
    if os.path.exists(peak):
        out.append("Sockets established at once (ss, every 2 s), the most: " + open(peak).read().strip() + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()

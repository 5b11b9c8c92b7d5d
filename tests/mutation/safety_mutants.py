#!/usr/bin/env python3
"""Safety mutation score (issue 10 part 6): break one safety rule of the
replica at a time in a SCRATCH copy of the sources (never this worktree),
rebuild bftsim there, run the scenario library against it and record which
runs report a safety violation, by which check, and how long it took.

    cp -r --no-preserve=ownership . /tmp/mut && cd /tmp/mut      # a copy, never committed
    meson setup build-rel -Dbuildtype=release -Dbench=false
    python3 tests/mutation/safety_mutants.py --root /tmp/mut --build /tmp/mut/build-rel \
        --out /tmp/mut-results [--only M05,M07] [--before NEW-SCENARIO,...]

Each mutant is an exact text replacement (it must match once); the file is
restored after the mutant's runs. The library: every scenario at its own
seed, sweep-* over --sweep-seeds, swarm-* over --swarm-seeds, and
`bftsim twins` (n=4, 8 views, --twins-max sampled scenarios). A run counts as
finding the mutant when it reports a safety violation the scenario did not
expect. Output: one JSON line per mutant in OUT/score.jsonl (and on stdout);
`safety_mutants.py --render OUT/score.jsonl ...` prints the Markdown table
docs/safety-score.md holds.
"""
import argparse, csv, json, os, resource, subprocess, sys, time, glob, shutil

# The replica's rules live in several files (replica.cpp, replica_view_change.cpp,
# ...): R names them all, and an edit applies to the one file holding its text.
R = 'core/consensus/replica*.cpp'
Q = 'core/consensus/quorum.cpp'
S = 'core/consensus/block_sync.cpp'
T = 'core/node/state_transfer.cpp'
N = 'core/node/node.cpp'
C = 'core/protocol/codec_decode.cpp'

# (id, rule, [(file, old, new), ...])
MUTANTS = [
 ('M00', 'none (the correct replica: the library must find nothing)', []),
 ('M01', 'safe_node: the lock check (vote for any block)', [(R,
   'return extends_lock || block.block->justify.view > locked_qc_.view || config_.unsafe_skip_lock;',
   'return true || extends_lock || block.block->justify.view > locked_qc_.view || config_.unsafe_skip_lock;')]),
 ('M02', 'safe_node liveness branch: justify view >= lock view (not >)', [(R,
   'block.block->justify.view > locked_qc_.view ||', 'block.block->justify.view >= locked_qc_.view ||')]),
 ('M03', 'safe_node liveness branch: the block\'s view, not its justify\'s, newer than the lock', [(R,
   'block.block->justify.view > locked_qc_.view ||', 'block.block->view > locked_qc_.view ||')]),
 ('M04', 'update_lock never called (no lock)', [(R,
   '  update_lock(b2->block->justify);\n', '')]),
 ('M05', 'update_lock one block too low (on b0, not b1)', [(R,
   '  update_lock(b2->block->justify);\n',
   '  if (const StoredBlock* b1 = tree_.find(b2->block->justify.block_hash)) update_lock(b1->block->justify);\n')]),
 ('M06', 'update_lock may move the lock backwards', [(R,
   'if (qc.view > locked_qc_.view) locked_qc_ = qc;', 'if (qc.view <= high_qc_.view) locked_qc_ = qc;')]),
 ('M07', 'commit rule: two-chain (commit b1 when b1, b2 consecutive)', [(R,
   '  const StoredBlock* b0 = tree_.find(b1->block->justify.block_hash);\n',
   '  if (b2.block->view == b1->block->view + 1) return b1;\n  const StoredBlock* b0 = tree_.find(b1->block->justify.block_hash);\n')]),
 ('M08', 'commit rule: no consecutive-views check', [(R,
   'if (b2.block->view == b1->block->view + 1 && b1->block->view == b0->block->view + 1) return b0;',
   'return b0;')]),
 ('M09', 'commit rule: only b1, b2 consecutive', [(R,
   'if (b2.block->view == b1->block->view + 1 && b1->block->view == b0->block->view + 1) return b0;',
   'if (b2.block->view == b1->block->view + 1) return b0;')]),
 ('M10', 'commit rule: only b0, b1 consecutive', [(R,
   'if (b2.block->view == b1->block->view + 1 && b1->block->view == b0->block->view + 1) return b0;',
   'if (b1->block->view == b0->block->view + 1) return b0;')]),
 ('M11', 'one vote per view (vote again in the view voted in)', [(R,
   'if (block.view != view() || block.view <= last_voted_view_) return;',
   'if (block.view != view() || block.view < last_voted_view_) return;')]),
 ('M12', 'vote only in the current view', [(R,
   'if (block.view != view() || block.view <= last_voted_view_) return;',
   'if (block.view <= last_voted_view_) return;')]),
 ('M13', 'no vote in a view after timing out in it', [(R,
   '    last_voted_view_ = std::max(last_voted_view_, view());  // no vote in a view we gave up\n', '')]),
 ('M14', 'quorum size (n+f)/2, one short of 2f+1', [(Q,
   'return (replica_count + faulty_max) / 2 + 1;', 'return (replica_count + faulty_max) / 2;')]),
 ('M15', 'QC accepted one signature short', [(Q,
   '  if (qc.signatures.size() < quorum) return false;\n  if (!signers_valid(qc.signatures',
   '  if (qc.signatures.size() + 1 < quorum) return false;\n  if (!signers_valid(qc.signatures')]),
 ('M16', 'QC signatures unchecked', [(Q,
   '    if (!verifier.verify(entry.signer, bytes, entry.signature)) {\n      verdict = false;\n      break;\n    }\n  }\n  if (lists != nullptr) lists->remember(bytes, qc.signatures',
   '    (void)entry;\n  }\n  if (lists != nullptr) lists->remember(bytes, qc.signatures')]),
 ('M17', 'TC signatures unchecked', [(Q,
   '    if (!verifier.verify(entry.signer, bytes, entry.signature)) return false;\n  }\n  return true;\n}\n\nbool verify_tc(',
   '    (void)bytes;\n  }\n  return true;\n}\n\nbool verify_tc(')]),
 ('M18', 'TC accepted one timeout short', [(Q,
   '  if (tc.signatures.size() < quorum) return false;', '  if (tc.signatures.size() + 1 < quorum) return false;')]),
 ('M19', 'TC high QC need not be the highest its timeouts claim', [(Q,
   '  if (tc.high_qc.view != highest) return false;\n', '  (void)highest;\n')]),
 ('M20', 'signer de-duplication in verify_qc (the codec still refuses duplicates)', [(Q,
   '    if (i > 0 && entries[i].signer <= entries[i - 1].signer) return false;\n', '')]),
 ('M21', 'signer de-duplication in verify_qc and in the codec', [(Q,
   '    if (i > 0 && entries[i].signer <= entries[i - 1].signer) return false;\n', ''),
   (C, '    if (entries[i].signer <= entries[i - 1].signer) {', '    if (entries[i].signer < entries[i - 1].signer) {')]),
 ('M22', 'a vote counted for the voter it names, not its sender', [(R,
   '  if (vote.voter != from) return drop(DropReason::wrong_sender);\n  if (!config_.vote_to_all) {',
   '  if (!config_.vote_to_all) {'),
   (R, '  if (!verifier_->verify(vote.voter,\n                         signing::vote_bytes',
       '  if (!verifier_->verify(from,\n                         signing::vote_bytes')]),
 ('M23', 'vote signatures unchecked', [(R,
   '  if (!verifier_->verify(vote.voter,\n                         signing::vote_bytes(config_.chain_id, vote.view, vote.block_hash),\n                         vote.signature))\n    return drop(DropReason::bad_signature);\n',
   '')]),
 ('M24', 'timeout signatures unchecked', [(R,
   '  if (!verifier_->verify(timeout.sender,', '  if (timeout.sender != from && !verifier_->verify(timeout.sender,')]),
 ('M25', 'block parent == the block its QC certifies (proposals)', [(R,
   'if (block.height == 0 || block.justify.block_hash != block.parent_hash ||',
   'if (block.height == 0 ||')]),
 ('M26', 'proposer must be the view\'s leader', [('core/consensus/replica.cpp',
   '      leader && *leader != block.proposer)\n    return drop(DropReason::not_leader);',
   '      leader && *leader != block.proposer && false)\n    return drop(DropReason::not_leader);')]),
 ('M27', 'proposal signature unchecked', [(R,
   '  if (!verifier_->verify(block.proposer, signing::proposal_bytes(config_.chain_id, hash),\n                         proposal.signature))',
   '  if (false)')]),
 ('M28', 'fetched blocks must hash to what was asked', [(S,
   'const bool linked = chain.empty() ? fetching_.contains(hash)', 'const bool linked = chain.empty() ? true')]),
 ('M29', 'fetched chains must link by parent hash', [(S,
   '                                      : hash == chain.back().first->parent_hash;', '                                      : true;')]),
 ('M30', 'state transfer needs f+1 matching vouchers', [(T,
   'if (vouchers(claim) >= faulty_max_ + 1 &&', 'if (vouchers(claim) >= 1 &&')]),
 ('M31', 'state transfer: pairs must hash to the vouched digest', [(T,
   '      if (digest_of_pairs(offer.pairs) == offer.state_digest) {', '      if (true) {')]),
 ('M32', 'restart restores the persisted safety state', [(N,
   '  if (recovered->safety) replica_.restore(*recovered->safety);', '  (void)recovered->safety;')]),
 ('M33', 'the vote is persisted before it is sent', [(R,
   '  last_voted_view_ = block.view;\n  persist(out);\n', '  last_voted_view_ = block.view;\n')]),
 ('M34', 'two_chain vote rule: after a TC, the block\'s QC at least the TC\'s highest', [(R,
   '  return tc && tc->view + 1 == block.block->view && qc_view >= tc->high_qc.view;',
   '  return tc || true;')]),
 ('M35', 'two_chain commit rule: the certified child must be of the next view', [(R,
   'b1->block->height != 0 && b2->block->view == b1->block->view + 1) commit_up_to',
   'b1->block->height != 0) commit_up_to')]),
]

# Mutants no run can find as a safety violation, and why: the score counts
# them apart ("equivalent", "masked by X", or "liveness only" for a rule
# safety does not rest on) rather than as misses. Each
# reason names the second check (or the argument) that makes the broken one
# unreachable; docs/safety-score.md gives the details. A run that does find
# one of them still counts as found (and shows the claim was wrong).
NOT_FINDABLE = {
 'M02': 'equivalent: two QCs of one view cannot both exist with at most f faulty replicas, so >= and > decide alike',
 'M12': 'masked by the callers: on_proposal hands a block of another view to take_late_block and '
        'vote_on_missed_proposal returns unless its view is current, before any try_vote; a leader votes its own block',
 'M20': 'masked by the wire decoder: every message a replica handles was decoded, and decode refuses '
        'signers not strictly increasing; the QCs it makes itself count each voter once',
 'M26': 'liveness only: chained HotStuff\'s safety never depends on who proposed (one vote per view and the '
        'lock decide); a non-leader\'s block fills the view\'s one proposal slot, which costs the view '
        '(the swarm finds it as liveness)',
 'M27': 'masked by the sender check: on_proposal drops a proposal whose proposer is not the (authenticated) '
        'sender, and proposals are never relayed, so only a proposer can send its unsigned block, which it '
        'could as well sign',
 'M28': 'masked by content addressing: a fetched block is stored under the hash the receiver computes '
        '(blake2b of its bytes), and every rule reaches blocks only by hashes from verified QCs, signed '
        'proposals or votes, so an unrequested block is an uncertified leaf nothing builds on or commits; '
        'the check keeps it out of the bounded orphan buffer (liveness)',
 'M29': 'masked by content addressing (as M28): a chain that does not link stores its blocks under their '
        'own hashes, uncertified; the requested block waits for its real parent (liveness)',
}

EXPECT_VIOLATED = {'twins-f-plus-one', 'sweep-partitions-twins', 'mutant-skip-lock', 'leader-crash-linear'}


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def rows(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def run_library(bftsim, root, out, args, env, leave_out):
    """Runs the library; returns (findings, liveness_only, wall, cpu)."""
    found, live = [], []
    t0, c0 = time.time(), cpu_children()
    scen = sorted(glob.glob(os.path.join(root, 'scenarios', '*.yaml')))
    if args.scenarios:
        scen = [s for s in scen if os.path.basename(s)[:-5] in args.scenarios.split(',')]
    for path in scen:
        name = os.path.basename(path)[:-5]
        if name in EXPECT_VIOLATED or name in leave_out:
            continue  # they violate with correct code: no signal
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        if name.startswith('sweep-') or name.startswith('swarm-'):
            seeds = args.sweep_seeds if name.startswith('sweep-') else args.swarm_seeds
            cmd = [bftsim, 'sweep', path, '--seeds', seeds, '--jobs', str(args.jobs), '--out', d, '-q']
            table = 'sweep.csv'
        else:
            cmd = [bftsim, 'run', path, '--out', d, '-q']
            table = 'summary.csv'
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=900)
        try:
            rs = rows(os.path.join(d, table))
        except FileNotFoundError:
            live.append(f'{name}: no output (crash?)')
            continue
        bad = [r for r in rs if r['safety'] == 'violated' and r['expected_safety'] != 'violated']
        if bad:
            checks = sorted({r['violation_check'] for r in bad})
            found.append({'what': name, 'checks': checks, 'seeds': [r['seed'] for r in bad][:8],
                          'count': len(bad), 'of': len(rs)})
        elif any(r['as_expected'] != 'yes' for r in rs):
            live.append(name)
    if not args.no_twins:
        d = os.path.join(out, 'twins')
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([bftsim, 'twins', '--views', '8', '--max-scenarios', str(args.twins_max), '--jobs',
                        str(args.jobs), '--out', d, '--no-progress'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env, timeout=900)
        try:
            rs = rows(os.path.join(d, 'twins.csv'))
            bad = [r for r in rs if r['safety'] == 'violated']
            if bad:
                found.append({'what': 'twins', 'checks': sorted({r['check'] for r in bad}),
                              'seeds': [r['id'] for r in bad][:8], 'count': len(bad), 'of': len(rs)})
        except FileNotFoundError:
            live.append('twins: no output')
    return found, live, time.time() - t0, cpu_children() - c0


def fmt_found(found):
    if not found:
        return '-'
    parts = []
    for f in found:
        seeds = ''
        if f['of'] > 1:
            count = f.get('count', f"{len(f['seeds'])}{'+' if len(f['seeds']) == 8 else ''}")
            seeds = f" ({count}/{f['of']}: {', '.join(f['seeds'][:4])})"
        parts.append(f"`{f['what']}` {'/'.join(f['checks'])}{seeds}")
    return '; '.join(parts)


def render(paths):
    """Markdown rows from score.jsonl records (the last record of each mutant wins)."""
    recs = {}
    for path in paths:
        for line in open(path):
            line = line.strip()
            if line.startswith('{'):
                rec = json.loads(line)
                recs[rec['id']] = rec
    print('| id | rule broken | found before (old library, no certificate check) | found now | time (wall / CPU s) |')
    print('| --- | --- | --- | --- | --- |')
    for mid, rule, _ in MUTANTS:
        rec = recs.get(mid)
        if rec is None:
            print(f'| {mid} | {rule} | not run | not run | |')
            continue
        before = rec.get('before', {})
        b = fmt_found(before.get('found', [])) if 'before' in rec else 'not measured'
        if before and not before.get('found') and before.get('liveness_only'):
            b += ' (liveness only: ' + ', '.join(before['liveness_only'][:4]) + ')'
        n = fmt_found(rec['found'])
        if not rec['found'] and rec.get('liveness_only'):
            n += ' (liveness only: ' + ', '.join(rec['liveness_only'][:4]) + ')'
        if not rec['found'] and mid in NOT_FINDABLE:
            n += f' ({NOT_FINDABLE[mid]})'
        wall = before.get('wall_s', 0) + rec.get('wall_s', 0)
        cpu = before.get('cpu_s', 0) + rec.get('cpu_s', 0)
        print(f'| {mid} | {rule} | {b} | {n} | {wall:.0f} / {cpu:.0f} |')
    print()
    print(score_line(recs))


def score_line(recs):
    """The score: found / run, with the mutants no run can find counted apart."""
    run = [m for m, _, edits in MUTANTS if edits and m in recs]
    found = [m for m in run if recs[m]['found']]
    apart = [m for m in run if not recs[m]['found'] and m in NOT_FINDABLE]
    missed = [m for m in run if not recs[m]['found'] and m not in NOT_FINDABLE]
    not_run = [m for m, _, edits in MUTANTS if edits and m not in recs]
    equivalent = [m for m in apart if NOT_FINDABLE[m].startswith('equivalent')]
    liveness = [m for m in apart if NOT_FINDABLE[m].startswith('liveness only')]
    masked = [m for m in apart if m not in equivalent and m not in liveness]
    return (f'**Score: {len(found)} of {len(run)} mutants run are found as a safety violation** '
            f'({len(found)} of {len(run) - len(apart)} that can be found); '
            f'equivalent: {", ".join(equivalent) or "none"}; masked: {", ".join(masked) or "none"}; '
            f'a liveness rule only: {", ".join(liveness) or "none"}; '
            f'not found: {", ".join(missed) or "none"}; not run: {", ".join(not_run) or "none"}.')


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--render':
        return render(sys.argv[2:])
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--build', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--only', default='')
    ap.add_argument('--scenarios', default='', help='comma list of scenario names to run (default all)')
    ap.add_argument('--sweep-seeds', default='1-20')
    ap.add_argument('--swarm-seeds', default='1-10')
    ap.add_argument('--twins-max', type=int, default=1000)
    ap.add_argument('--no-twins', action='store_true')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--always-after', action='store_true',
                    help='with --before, run the whole library even when the old one found the mutant')
    ap.add_argument('--before', default='',
                    help='also score the library as it was: these scenario names left out (comma list), the '
                         'certificate check off (the copy\'s simulation.cpp reads BFTSIM_SCORE_NO_CERTIFICATE)')
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    if os.path.isdir(os.path.join(root, '.git')) or os.path.isfile(os.path.join(root, '.git')):
        sys.exit('refusing to mutate a git checkout: use a copy (cp -r) outside the repository')
    os.makedirs(args.out, exist_ok=True)
    env = dict(os.environ)
    only = set(args.only.split(',')) if args.only else None
    sim_path = os.path.join(root, 'sim/simulation.cpp')
    sim_text = open(sim_path).read()
    if args.before:
        anchor = '  checkers_.push_back(std::make_unique<CertificateChecker>'
        patched = sim_text.replace(anchor, '  if (std::getenv("BFTSIM_SCORE_NO_CERTIFICATE") == nullptr)\n' + anchor, 1)
        open(sim_path, 'w').write('#include <cstdlib>\n' + patched)
    try:
        score(args, root, env, only)
    finally:
        open(sim_path, 'w').write(sim_text)
        subprocess.run(['ninja', '-C', args.build, '-j2', 'bftsim'], capture_output=True)


def score(args, root, env, only):
    order = args.only.split(',') if args.only else [m[0] for m in MUTANTS]
    by_id = {m[0]: m for m in MUTANTS}
    for mid in order:
        _, rule, edits = by_id[mid]
        originals = {}
        try:
            for f, old, new in edits:
                if '*' in f:
                    holders = [g for g in sorted(glob.glob(os.path.join(root, f)))
                               if old in open(g).read()]
                    if len(holders) != 1:
                        raise SystemExit(f'{mid}: the text to mutate is in {len(holders)} of {f}')
                    f = os.path.relpath(holders[0], root)
                p = os.path.join(root, f)
                text = originals.get(p) or open(p).read()
                originals.setdefault(p, text)
                cur = open(p).read()
                if cur.count(old) != 1:
                    raise SystemExit(f'{mid}: the text to mutate occurs {cur.count(old)} times in {f}')
                open(p, 'w').write(cur.replace(old, new))
            b = subprocess.run(['ninja', '-C', args.build, '-j2', 'bftsim'], capture_output=True, text=True)
            if b.returncode != 0:
                print(f'{mid}: build failed\n{b.stdout[-2000:]}', file=sys.stderr)
                continue
            rec = {'id': mid, 'rule': rule}
            if mid in NOT_FINDABLE:
                rec['not_findable'] = NOT_FINDABLE[mid]
            if args.before:
                before_env = dict(env, BFTSIM_SCORE_NO_CERTIFICATE='1')
                found, live, wall, cpu = run_library(os.path.join(args.build, 'bftsim'), root,
                                                     os.path.join(args.out, mid + '-before'), args, before_env,
                                                     set(args.before.split(',')))
                rec['before'] = {'found': found, 'liveness_only': live, 'wall_s': round(wall, 1),
                                 'cpu_s': round(cpu, 1)}
            if args.before and rec['before']['found'] and not args.always_after:
                rec.update({'found': rec['before']['found'], 'liveness_only': rec['before']['liveness_only'],
                            'wall_s': 0, 'cpu_s': 0, 'after_skipped': True})
            else:
                found, live, wall, cpu = run_library(os.path.join(args.build, 'bftsim'), root,
                                                     os.path.join(args.out, mid), args, env, set())
                rec.update({'found': found, 'liveness_only': live, 'wall_s': round(wall, 1),
                            'cpu_s': round(cpu, 1)})
            with open(os.path.join(args.out, 'score.jsonl'), 'a') as f:
                f.write(json.dumps(rec) + '\n')
            print(json.dumps(rec), flush=True)
        finally:
            for p, text in originals.items():
                open(p, 'w').write(text)


if __name__ == '__main__':
    main()

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ElectionState } from '../../../src/raft/election-state.ts';
import { FileQuorumStateStore } from '../../../src/raft/file-quorum-state-store.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';

test('quorum-state is Kafka\'s one-line JSON: data_version 0 for a static quorum, 1 with KIP-853', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quorum-state-'));
  try {
    const store = new FileQuorumStateStore(dir);
    assert.equal(await store.readElectionState(), null);
    await store.writeElectionState(ElectionState.withVotedCandidate(5, replicaKey(2), new Set([3, 1, 2])), 0);
    assert.equal(await readFile(join(dir, 'quorum-state'), 'utf8'), '{"clusterId":"","leaderId":-1,"leaderEpoch":5,"votedId":2,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}');
    assert.ok((await store.readElectionState())!.equals(ElectionState.withVotedCandidate(5, replicaKey(2), new Set())));
    await store.writeElectionState(ElectionState.withElectedLeader(6, 1, null, new Set([1, 2, 3])), 1);
    assert.equal(await readFile(join(dir, 'quorum-state'), 'utf8'), '{"leaderId":1,"leaderEpoch":6,"votedId":-1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}');
    assert.deepEqual(await readdir(dir), ['quorum-state'], 'the temp file is renamed over it');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a quorum-state file Kafka wrote is read; a damaged one stops the start (a forgotten vote could elect two leaders)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'quorum-state-'));
  try {
    const store = new FileQuorumStateStore(dir);
    await writeFile(join(dir, 'quorum-state'), '{"clusterId":"","leaderId":3,"leaderEpoch":12,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}');
    const s = (await store.readElectionState())!;
    assert.equal(s.epoch, 12);
    assert.equal(s.leaderId, 3);
    for (const bad of ['', '{"leaderId":1', '{"leaderId":1,"leaderEpoch":2,"votedId":-1}', '{"leaderId":1,"leaderEpoch":2,"votedId":-1,"data_version":7}', '{"leaderId":"x","leaderEpoch":2,"votedId":-1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}']) {
      await writeFile(join(dir, 'quorum-state'), bad);
      await assert.rejects(store.readElectionState(), /Error while reading the quorum state/, bad);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Codec 'snappy': 100,000 records of a real text file produced by kcat and by kafkajs, read back by kcat (and kafkajs'
// group consumer once groups are served), compared byte for byte, stored with the producer's codec.
// The scenario lives in test/fixtures/e2e/codec-round-trip.ts; one file per codec keeps each run short.
import { codecRoundTripSuite } from '../../fixtures/e2e/codec-round-trip.ts';

codecRoundTripSuite('snappy');

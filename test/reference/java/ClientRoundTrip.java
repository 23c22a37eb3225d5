// Apache Kafka's Java client (kafka-clients 4.4.0) against a broker, run by test/reference/java-client.test.ts with
// `java -cp <reference jars> ClientRoundTrip.java` (a single-file program, compiled in memory by the launcher):
// Admin creates the topic, an idempotent producer writes `count` keyed records, and a consumer of the given group
// protocol (classic or consumer, KIP-848) reads them all back in order per partition and commits. Prints one
// "key=value" line per result for the test to check; exits 1 with the reason on any failure.
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class ClientRoundTrip {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String groupProtocol = args[2];
    String compression = args[3];
    int count = Integer.parseInt(args[4]);
    int partitions = 3;

    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      int described = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      System.out.println("admin.partitions=" + described);
    }

    Properties p = new Properties();
    p.putAll(common);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("compression.type", compression);
    p.put("linger.ms", "5");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    Map<Integer, Long> lastOffset = new HashMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) sent.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 10), "value-" + i)));
      producer.flush();
      for (var f : sent) {
        RecordMetadata m = f.get();
        lastOffset.merge(m.partition(), m.offset(), Math::max);
      }
    }
    System.out.println("produced=" + count);

    Properties c = new Properties();
    c.putAll(common);
    c.put("group.id", topic + "-group");
    c.put("group.protocol", groupProtocol);
    c.put("auto.offset.reset", "earliest");
    c.put("enable.auto.commit", "false");
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    int consumed = 0;
    Map<Integer, Long> next = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (consumed < count) {
        if (System.currentTimeMillis() > deadline) fail("consumed only " + consumed + " of " + count + " records");
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          long expected = next.getOrDefault(r.partition(), 0L);
          if (r.offset() != expected) fail("partition " + r.partition() + ": offset " + r.offset() + " where " + expected + " was next");
          next.put(r.partition(), r.offset() + 1);
          consumed++;
        }
      }
      consumer.commitSync();
      Set<TopicPartition> assigned = consumer.assignment();
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
      long committedTotal = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
      System.out.println("assigned=" + assigned.size());
      System.out.println("committed=" + committedTotal);
    }
    for (var e : lastOffset.entrySet()) {
      if (next.getOrDefault(e.getKey(), 0L) != e.getValue() + 1) fail("partition " + e.getKey() + " ended at " + next.get(e.getKey()));
    }
    System.out.println("consumed=" + consumed);
  }

  private static void fail(String reason) {
    System.out.println("FAILED: " + reason);
    System.exit(1);
  }
}

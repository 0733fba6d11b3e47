/*
 * A librdkafka 2.15 share consumer (KIP-932) for test/compat/share-groups.test.ts, built against the librdkafka that
 * scripts/install-confluent-js.sh compiles (the Debian librdkafka 2.0.2 predates share consumers).
 *
 *   share-consumer <bootstrap> <group> <topic> <count> <accept|release-once|reject-odd> [extra conf k=v ...]
 *
 * Polls until <count> records were handled, or 5 s passed without a record (its group's other members may have
 * the rest), or 20 s in all, acknowledging explicitly:
 *   accept        every record;
 *   release-once  releases a record on its first delivery (so it comes back) and accepts it on the next;
 *   reject-odd    rejects records whose value ends in an odd digit, accepts the others.
 * Prints one line per delivered record: "<partition> <offset> <delivery count> <value>", then closes (which
 * commits the acknowledgements) and prints "closed".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rdkafka.h"

static void conf_set(rd_kafka_conf_t *conf, const char *k, const char *v) {
        char errstr[256];
        if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s=%s: %s\n", k, v, errstr);
                exit(2);
        }
}

int main(int argc, char **argv) {
        char errstr[512];
        int i, want, seen = 0;
        const char *mode;
        time_t deadline, last_record;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_share_t *rkshare;
        rd_kafka_topic_partition_list_t *topics;
        rd_kafka_error_t *error;

        if (argc < 6) {
                fprintf(stderr, "usage: %s <bootstrap> <group> <topic> <count> <mode> [k=v ...]\n", argv[0]);
                return 2;
        }
        want = atoi(argv[4]);
        mode = argv[5];
        conf_set(conf, "bootstrap.servers", argv[1]);
        conf_set(conf, "group.id", argv[2]);
        conf_set(conf, "share.acknowledgement.mode", "explicit");
        for (i = 6; i < argc; i++) {
                char *eq = strchr(argv[i], '=');
                if (!eq) continue;
                *eq = '\0';
                conf_set(conf, argv[i], eq + 1);
        }
        rkshare = rd_kafka_share_consumer_new(conf, errstr, sizeof(errstr));
        if (!rkshare) {
                fprintf(stderr, "rd_kafka_share_consumer_new: %s\n", errstr);
                return 1;
        }
        topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, argv[3], RD_KAFKA_PARTITION_UA);
        if (rd_kafka_share_subscribe(rkshare, topics)) {
                fprintf(stderr, "subscribe failed\n");
                return 1;
        }
        rd_kafka_topic_partition_list_destroy(topics);

        deadline = time(NULL) + 20;
        last_record = time(NULL);
        while (seen < want && time(NULL) < deadline && time(NULL) - last_record < 5) {
                rd_kafka_messages_t *batch = NULL;
                size_t n;
                error = rd_kafka_share_poll(rkshare, 500, &batch);
                if (error) {
                        fprintf(stderr, "poll: %s\n", rd_kafka_error_string(error));
                        rd_kafka_error_destroy(error);
                        rd_kafka_messages_destroy(batch);
                        continue;
                }
                n = rd_kafka_messages_count(batch);
                if (n > 0) last_record = time(NULL);
                for (size_t j = 0; j < n; j++) {
                        rd_kafka_message_t *m = rd_kafka_messages_get(batch, j);
                        int dc = rd_kafka_message_delivery_count(m);
                        rd_kafka_share_AcknowledgeType_t type = RD_KAFKA_SHARE_ACKNOWLEDGE_TYPE_ACCEPT;
                        if (m->err) {
                                fprintf(stderr, "record error: %s\n", rd_kafka_message_errstr(m));
                                continue;
                        }
                        printf("%d %lld %d %.*s\n", (int)m->partition, (long long)m->offset, dc, (int)m->len, (const char *)m->payload);
                        fflush(stdout);
                        if (!strcmp(mode, "release-once") && dc == 1)
                                type = RD_KAFKA_SHARE_ACKNOWLEDGE_TYPE_RELEASE;
                        else if (!strcmp(mode, "reject-odd") && m->len > 0 && (((const char *)m->payload)[m->len - 1] - '0') % 2 == 1)
                                type = RD_KAFKA_SHARE_ACKNOWLEDGE_TYPE_REJECT;
                        else
                                seen++;
                        if (type == RD_KAFKA_SHARE_ACKNOWLEDGE_TYPE_REJECT) seen++;
                        rd_kafka_share_acknowledge_type(rkshare, m, type);
                }
                rd_kafka_messages_destroy(batch);
        }
        error = rd_kafka_share_consumer_close(rkshare);
        if (error) {
                fprintf(stderr, "close: %s\n", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        rd_kafka_share_destroy(rkshare);
        printf("closed\n");
        return 0;
}

/* share-close: librdkafka share consumers that subscribe and close a moment later, each in a group of its own, all at
 * once on threads. Prints "closed N" when every close returned, or "HANG" and exits 3 when one has not within 15 s
 * (librdkafka 2.15 waits forever for a partition it added after the close began: test/compat/share-groups.test.ts).
 *
 *   share-close <bootstrap> <topic> <consumers> <first delay us> <delay step us>
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rdkafka.h"

static const char *bootstrap, *topic;
static int first_delay_us, step_us;
static volatile int closed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
        char e[256];
        if (rd_kafka_conf_set(c, k, v, e, sizeof e)) { fprintf(stderr, "%s: %s\n", k, e); exit(2); }
}

static void *consumer(void *arg) {
        long i = (long)arg;
        char group[64], errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_share_t *rk;
        rd_kafka_topic_partition_list_t *t;
        rd_kafka_error_t *err;
        snprintf(group, sizeof group, "share-close-%d-%ld", (int)getpid(), i);
        set(conf, "bootstrap.servers", bootstrap);
        set(conf, "group.id", group);
        set(conf, "share.acknowledgement.mode", "explicit");
        set(conf, "log_level", "3");
        rk = rd_kafka_share_consumer_new(conf, errstr, sizeof errstr);
        if (!rk) { fprintf(stderr, "%s\n", errstr); exit(2); }
        usleep(1200000); /* bootstrap done and the coordinator found, as in librdkafka's test 0172 */
        t = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(t, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_share_subscribe(rk, t);
        rd_kafka_topic_partition_list_destroy(t);
        usleep(first_delay_us + i * step_us);
        err = rd_kafka_share_consumer_close(rk);
        if (err) rd_kafka_error_destroy(err);
        rd_kafka_share_destroy(rk);
        pthread_mutex_lock(&lock);
        closed++;
        pthread_mutex_unlock(&lock);
        return NULL;
}

int main(int argc, char **argv) {
        int n, s;
        pthread_t *th;
        if (argc != 6) { fprintf(stderr, "usage: share-close <bootstrap> <topic> <consumers> <first delay us> <delay step us>\n"); return 2; }
        bootstrap = argv[1];
        topic = argv[2];
        n = atoi(argv[3]);
        first_delay_us = atoi(argv[4]);
        step_us = atoi(argv[5]);
        th = calloc(n, sizeof *th);
        for (long i = 0; i < n; i++) pthread_create(&th[i], NULL, consumer, (void *)i);
        for (s = 0; s < 150; s++) {
                int done;
                usleep(100000);
                pthread_mutex_lock(&lock);
                done = closed;
                pthread_mutex_unlock(&lock);
                if (done == n) {
                        printf("closed %d\n", n);
                        return 0;
                }
        }
        printf("HANG: %d of %d closes returned\n", closed, n);
        fflush(stdout);
        _exit(3);
}

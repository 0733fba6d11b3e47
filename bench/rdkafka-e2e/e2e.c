/*
 * e2e.c - end-to-end latency of single records through librdkafka, so that a
 * broker is measured where the client is not the bottleneck.
 *
 *   usage: e2e -b HOST:PORT [-n SAMPLES] [-w WARMUP] [-f FETCH_WAIT_MS]
 *              [-s SIZE] [-t TOPIC] [-T SAMPLE_TIMEOUT_MS] [-p MIN,MAX]
 *              [-v] [-d DEBUG]
 *
 * One producer (acks=all, linger.ms=0, one message per batch) and one consumer
 * assigned (no group join) to partition 0 of a fresh topic, starting at the
 * offset of a priming record. Every 5-15 ms (random, like bench/kbench.mjs;
 * -p sets the range) one record is sent; each sample measures send -> delivery
 * report (ack) and send -> the record returned by rd_kafka_consumer_poll().
 * Prints one line of JSON with p50/p99/max of both in microseconds. -v also prints every sample to
 * stderr (send time in ms since the epoch, e2e and ack in us), to line the
 * slow ones up with the broker's own log (e.g. node --trace-gc) or a packet
 * capture (bench/e2e-split.mjs). -d sets
 * librdkafka's `debug` contexts (e.g. protocol,fetch) on both clients.
 *
 * Threads: the main thread sends; one thread serves the producer's delivery
 * reports (rd_kafka_poll) and one the consumer (rd_kafka_consumer_poll), both
 * blocking, as an application would, so no thread spins on the shared cores.
 */
#include <librdkafka/rdkafka.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sample in flight; guarded by mtx, waited for with cnd. */
static struct {
        pthread_mutex_t mtx;
        pthread_cond_t cnd;
        int64_t seq;       /* record being measured, -1 for none */
        int64_t t_ack;     /* ns, 0 until the delivery report */
        int64_t t_recv;    /* ns, 0 until consumed */
        int64_t offset;    /* from the delivery report */
        char err[256];     /* first asynchronous error */
} S = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1, 0, 0, -1, ""};

static volatile int running = 1;

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fail_async(const char *fmt, ...) {
        va_list ap;
        pthread_mutex_lock(&S.mtx);
        if (!S.err[0]) {
                va_start(ap, fmt);
                vsnprintf(S.err, sizeof(S.err), fmt, ap);
                va_end(ap);
        }
        pthread_cond_broadcast(&S.cnd);
        pthread_mutex_unlock(&S.mtx);
}

/* The record's first 8 bytes carry its sequence number. */
static int64_t seq_of(const void *p, size_t len) {
        int64_t seq;
        if (len < sizeof(seq))
                return -2;
        memcpy(&seq, p, sizeof(seq));
        return seq;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        int64_t t = now_ns();
        (void)rk;
        (void)opaque;
        if (m->err) {
                fail_async("delivery failed: %s", rd_kafka_err2str(m->err));
                return;
        }
        pthread_mutex_lock(&S.mtx);
        if (seq_of(m->payload, m->len) == S.seq) {
                S.t_ack = t;
                S.offset = m->offset;
                pthread_cond_broadcast(&S.cnd);
        }
        pthread_mutex_unlock(&S.mtx);
}

static void *producer_poller(void *arg) {
        while (running)
                rd_kafka_poll((rd_kafka_t *)arg, 100);
        return NULL;
}

static void *consumer_poller(void *arg) {
        while (running) {
                rd_kafka_message_t *m =
                    rd_kafka_consumer_poll((rd_kafka_t *)arg, 100);
                if (!m)
                        continue;
                int64_t t = now_ns();
                if (m->err)
                        fail_async("consume: %s", rd_kafka_message_errstr(m));
                else {
                        pthread_mutex_lock(&S.mtx);
                        if (seq_of(m->payload, m->len) == S.seq) {
                                S.t_recv = t;
                                pthread_cond_broadcast(&S.cnd);
                        }
                        pthread_mutex_unlock(&S.mtx);
                }
                rd_kafka_message_destroy(m);
        }
        return NULL;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
        char errstr[512];
        if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "e2e: %s=%s: %s\n", k, v, errstr);
                exit(1);
        }
}

static rd_kafka_t *client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
        char errstr[512];
        rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "e2e: rd_kafka_new: %s\n", errstr);
                exit(1);
        }
        return rk;
}

/* Starts the sample `seq`: clears its times and sends its record. */
static int send_record(rd_kafka_t *p, const char *topic, char *buf,
                       size_t size, int64_t seq, int64_t *t0) {
        rd_kafka_resp_err_t err;
        memcpy(buf, &seq, sizeof(seq));
        pthread_mutex_lock(&S.mtx);
        S.seq = seq;
        S.t_ack = S.t_recv = 0;
        pthread_mutex_unlock(&S.mtx);
        *t0 = now_ns();
        err = rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(buf, size),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END);
        if (err)
                fprintf(stderr, "e2e: produce: %s\n", rd_kafka_err2str(err));
        return err ? -1 : 0;
}

/* Waits for the current record's ack and, if `consume`, its arrival.
 * Returns 0, or -1 with the reason on stderr. */
static int wait_for(int consume, int timeout_ms, int64_t *ack, int64_t *recv) {
        struct timespec until;
        int rc = 0;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&S.mtx);
        while (!S.err[0] && (!S.t_ack || (consume && !S.t_recv)) && rc == 0)
                rc = pthread_cond_timedwait(&S.cnd, &S.mtx, &until);
        *ack = S.t_ack;
        *recv = S.t_recv;
        if (S.err[0])
                fprintf(stderr, "e2e: %s\n", S.err);
        else if (rc)
                fprintf(stderr, "e2e: record %" PRId64 ": no %s within %d ms\n",
                        S.seq, S.t_ack ? "consume" : "ack", timeout_ms);
        rc = S.err[0] || rc ? -1 : 0;
        pthread_mutex_unlock(&S.mtx);
        return rc;
}

static int cmp(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

/* Nearest rank, as kbench.mjs's pct(). */
static int64_t pct(const int64_t *sorted, int n, int p) {
        int i = (p * n + 99) / 100 - 1;
        return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static void print_stats(const char *name, int64_t *xs, int n) {
        qsort(xs, n, sizeof(*xs), cmp);
        printf("\"%s\":{\"p50\":%" PRId64 ",\"p99\":%" PRId64
               ",\"max\":%" PRId64 "}",
               name, pct(xs, n, 50) / 1000, pct(xs, n, 99) / 1000,
               xs[n - 1] / 1000);
}

static void usage(const char *argv0) {
        fprintf(stderr,
                "usage: %s -b HOST:PORT [-n SAMPLES (500)] [-w WARMUP (50)] "
                "[-f FETCH_WAIT_MS (100)] [-s SIZE (100)] [-t TOPIC] "
                "[-T SAMPLE_TIMEOUT_MS (5000)] [-p PAUSE_MIN_MS,MAX_MS (5,15)] "
                "[-W WARMUP_PAUSE_MIN_MS,MAX_MS (as -p)] [-v] [-d DEBUG]\n",
                argv0);
        exit(2);
}

int main(int argc, char **argv) {
        const char *brokers = NULL, *fetch_wait = "100", *debug = NULL;
        char topic[128], group[160];
        int samples = 500, warmup = 50, timeout_ms = 5000, verbose = 0, opt;
        int pause_min = 5, pause_max = 15, warm_min = -1, warm_max = -1;
        size_t size = 100;
        pthread_t pt, ct;

        snprintf(topic, sizeof(topic), "rdk-e2e-%d-%ld", (int)getpid(),
                 (long)time(NULL));
        while ((opt = getopt(argc, argv, "b:n:w:f:s:t:T:p:W:vd:h")) != -1) {
                switch (opt) {
                case 'b': brokers = optarg; break;
                case 'n': samples = atoi(optarg); break;
                case 'w': warmup = atoi(optarg); break;
                case 'f': fetch_wait = optarg; break;
                case 's': size = (size_t)atol(optarg); break;
                case 't': snprintf(topic, sizeof(topic), "%s", optarg); break;
                case 'T': timeout_ms = atoi(optarg); break;
                case 'p':
                        if (sscanf(optarg, "%d,%d", &pause_min, &pause_max) != 2)
                                usage(argv[0]);
                        break;
                case 'W':
                        if (sscanf(optarg, "%d,%d", &warm_min, &warm_max) != 2)
                                usage(argv[0]);
                        break;
                case 'v': verbose = 1; break;
                case 'd': debug = optarg; break;
                default: usage(argv[0]);
                }
        }
        if (!brokers || samples < 1 || warmup < 0 || size < 8 ||
            size > 1000000 || timeout_ms < 1 || pause_min < 0 ||
            pause_max < pause_min || pause_max > 1000)
                usage(argv[0]);
        if (warm_min < 0) {
                warm_min = pause_min;
                warm_max = pause_max;
        }
        if (warm_max < warm_min || warm_max > 1000)
                usage(argv[0]);

        /* Producer: every record goes out on its own, at once, acks=all. */
        rd_kafka_conf_t *pc = rd_kafka_conf_new();
        set(pc, "bootstrap.servers", brokers);
        set(pc, "acks", "all");
        set(pc, "linger.ms", "0");
        set(pc, "batch.num.messages", "1");
        set(pc, "socket.nagle.disable", "true");
        set(pc, "message.timeout.ms", "30000");
        set(pc, "log_level", debug ? "7" : "4");
        if (debug)
                set(pc, "debug", debug);
        rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
        rd_kafka_t *p = client(RD_KAFKA_PRODUCER, pc);
        pthread_create(&pt, NULL, producer_poller, p);

        char *buf = calloc(1, size);
        int64_t t0, ack, recv;
        /* The priming record creates the topic and gives the start offset. */
        if (send_record(p, topic, buf, size, -1, &t0) ||
            wait_for(0, 30000, &ack, &recv))
                return 1;

        /* Consumer: assign() rather than subscribe(): no group join (the mock
         * delays the first join by 3 s), no commits. fetch.error.backoff.ms 0
         * so that a transient error does not add its 500 ms default. */
        rd_kafka_conf_t *cc = rd_kafka_conf_new();
        snprintf(group, sizeof(group), "%s-g", topic);
        set(cc, "bootstrap.servers", brokers);
        set(cc, "group.id", group);
        set(cc, "enable.auto.commit", "false");
        set(cc, "enable.auto.offset.store", "false");
        set(cc, "fetch.wait.max.ms", fetch_wait);
        set(cc, "fetch.min.bytes", "1");
        set(cc, "fetch.error.backoff.ms", "0");
        set(cc, "socket.nagle.disable", "true");
        set(cc, "log_level", debug ? "7" : "4");
        if (debug)
                set(cc, "debug", debug);
        rd_kafka_t *c = client(RD_KAFKA_CONSUMER, cc);
        rd_kafka_topic_partition_list_t *parts =
            rd_kafka_topic_partition_list_new(1);
        pthread_mutex_lock(&S.mtx);
        rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = S.offset;
        pthread_mutex_unlock(&S.mtx);
        rd_kafka_resp_err_t err = rd_kafka_assign(c, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                fprintf(stderr, "e2e: assign: %s\n", rd_kafka_err2str(err));
                return 1;
        }
        /* Measuring starts once the consumer has the priming record. */
        pthread_create(&ct, NULL, consumer_poller, c);
        if (wait_for(1, 30000, &ack, &recv))
                return 1;

        int64_t *e2e = calloc(samples, sizeof(int64_t));
        int64_t *acks = calloc(samples, sizeof(int64_t));
        unsigned seed = (unsigned)now_ns();
        for (int i = 0; i < warmup + samples; i++) {
                /* A random pause lets the consumer go back to a waiting
                 * fetch (long-poll wake-up), as kbench.mjs does. */
                int lo = i < warmup ? warm_min : pause_min;
                int hi = i < warmup ? warm_max : pause_max;
                long pause_us =
                    lo * 1000L + rand_r(&seed) % ((hi - lo) * 1000L + 1);
                struct timespec ts = {pause_us / 1000000,
                                      pause_us % 1000000 * 1000};
                while (nanosleep(&ts, &ts) && errno == EINTR)
                        ;
                if (send_record(p, topic, buf, size, i, &t0) ||
                    wait_for(1, timeout_ms, &ack, &recv))
                        return 1;
                if (verbose) {
                        /* Samples are timed on the monotonic clock; the
                         * send time is printed on the wall clock. */
                        struct timespec wall;
                        clock_gettime(CLOCK_REALTIME, &wall);
                        int64_t wall_t0 = (int64_t)wall.tv_sec * 1000000000 +
                                          wall.tv_nsec - (now_ns() - t0);
                        fprintf(stderr, "%d %.3f %" PRId64 " %" PRId64 "\n", i,
                                wall_t0 / 1e6, (recv - t0) / 1000,
                                (ack - t0) / 1000);
                }
                if (i >= warmup) {
                        e2e[i - warmup] = recv - t0;
                        acks[i - warmup] = ack - t0;
                }
        }

        running = 0;
        pthread_join(ct, NULL);
        pthread_join(pt, NULL);
        printf("{\"librdkafka\":\"%s\",\"samples\":%d,\"warmup\":%d,"
               "\"fetchWaitMaxMs\":%s,\"size\":%zu,\"pauseMs\":[%d,%d],"
               "\"warmupPauseMs\":[%d,%d],"
               "\"unit\":\"us\",",
               rd_kafka_version_str(), samples, warmup, fetch_wait, size,
               pause_min, pause_max, warm_min, warm_max);
        print_stats("e2e", e2e, samples);
        printf(",");
        print_stats("ack", acks, samples);
        printf("}\n");
        fflush(stdout);

        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
        rd_kafka_flush(p, 5000);
        rd_kafka_destroy(p);
        free(e2e);
        free(acks);
        free(buf);
        return 0;
}

// Every test process logs nothing unless asked; failures still print through jest.
process.env.LOG_LEVEL ??= 'silent';
// Webhook and Slack receivers in tests are local; nothing a test (or a fuzzer) generates may leave the machine.
process.env.OUTBOUND_TARGETS ??= '127.0.0.0/8,::1/128';
// A fixed key, not a secret: recorded Temporal histories (test/replay) are encrypted with it and must decode.
process.env.ENCRYPTION_KEYS ??= 'test1:cm91dGVzd2l0LXRlc3Qta2V5LW5vdC1hLXNlY3JldCE=';
// Notifications in tests retry quickly: four attempts, half a second apart at first.
process.env.NOTIFICATION_RETRY_INITIAL_SECONDS ??= '0.5';
process.env.NOTIFICATION_MAX_ATTEMPTS ??= '4';

// Every test process logs nothing unless asked; failures still print through jest.
process.env.LOG_LEVEL ??= 'silent';
// Webhook and Slack receivers in tests are local; nothing a test (or a fuzzer) generates may leave the machine.
process.env.OUTBOUND_TARGETS ??= '127.0.0.0/8,::1/128';

// Every test process logs nothing unless asked; failures still print through jest.
process.env.LOG_LEVEL ??= 'silent';

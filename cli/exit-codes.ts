/** Exit codes of every command, as the CLI contract fixes them. */
export const exitCodes = {
  success: 0,
  buildFailed: 1,
  badInput: 2,
  unreachable: 3,
  interrupted: 130,
} as const;

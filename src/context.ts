/** What every resolver gets, for HTTP and WebSocket alike. */
export interface Context {
  requestId?: string;
}

export function createContext(): Context {
  return {};
}

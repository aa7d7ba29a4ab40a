// Vitest runs server modules outside Next's "react-server" condition, where the real `server-only`
// package throws on import. Tests are server code, so an empty module stands in for it.
export {};

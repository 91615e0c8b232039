/** A TCP port on 127.0.0.1 that nothing listens on right now (the stack picks its cluster's ports the same way). */
export { freePort } from '../../stack/free-port.js';

/// <reference types="miniprogram-api-typings" />
// Ambient types of the demo mini-program (devtools TypeScript template layout). The SDK's types
// come from the package as installed in miniprogram/node_modules (`npm run demo`).

interface IAppOption {
  globalData: {
    /** The signed-in session (also saved in storage for the next cold start). */
    session?: import('../miniprogram/services/im').Session
  }
  /** The app's one client; undefined until sign-in. Pages use it, never create their own. */
  im?: import('wukongim-mp').Client
  /** The chats as the pages show them; lives as long as `im`. */
  chats?: import('../miniprogram/services/chat-store').ChatStore
  /** Creates the client for a session (closing another user's), saves the session. */
  signIn(session: import('../miniprogram/services/im').Session): void
  /** Closes the client and forgets the saved session (unsent messages stay in storage). */
  signOut(): Promise<void>
}

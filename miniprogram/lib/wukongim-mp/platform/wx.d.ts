import type { Clock, Platform, Timers } from './types';
type Wx = WechatMiniprogram.Wx;
/** Exactly the part of `wx` the adapter uses. The optional ones are missing on older base libraries. */
export type WxApi = Pick<Wx, 'connectSocket' | 'setStorage' | 'getStorage' | 'removeStorage' | 'getStorageInfo' | 'getNetworkType' | 'onNetworkStatusChange' | 'request'> & Partial<Pick<Wx, 'onSocketClose' | 'offNetworkStatusChange' | 'onAppShow' | 'onAppHide' | 'offAppShow' | 'offAppHide' | 'getRandomValues' | 'getRealtimeLogManager'>>;
export interface WxPlatformOptions {
    /** Pass `encrypt: true` on every setStorage/getStorage (base 2.21.3; limits drop to ~0.7 MB/key, ~7.1 MB total). Default false. */
    encryptStorage?: boolean;
    /** Bytes fetched per wx.getRandomValues call (default 256). */
    randomPoolSize?: number;
    /** Default: the global setTimeout/clearTimeout. Tests pass the simulated wx's timers. */
    timers?: Timers;
    /** Default: Date.now. Tests pass the simulated wx's clock. */
    clock?: Clock;
}
export interface WxPlatform extends Platform {
    /** wx APIs this base library lacks, and what degrades because of it (empty on a current one). */
    readonly missing: readonly string[];
}
/** Longest close reason WebSocket allows, in UTF-8 bytes. */
export declare const MAX_CLOSE_REASON_BYTES = 123;
/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export declare function truncateUtf8(s: string, max: number): string;
export declare function createWxPlatform(wx: WxApi, opts?: WxPlatformOptions): WxPlatform;
/** The platform over the real global `wx` (what createClient uses by default). */
export declare function defaultWxPlatform(opts?: WxPlatformOptions): WxPlatform;
export {};

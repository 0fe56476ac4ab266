export const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
export const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const E = 'http://schemas.microsoft.com/exchange/services/2006/errors';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The EWS face parses requests with the shared one-pass parser (`@exsync/xml`), which the EWS client reads answers with. */
export { child, childrenOf, childText, parseXml, XmlRejected, type XNode } from '@exsync/xml';

export { child, childrenOf, childText, parseXml, XmlRejected, type XNode } from './parse';

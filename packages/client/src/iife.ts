// The <script> build: `Grappler.connect(url, options)`.
import { connect } from './index';
export { connect };

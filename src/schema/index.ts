import { builder } from '../builder.js';
import './article.js';
import './author.js';
import './comment.js';
import './permalink.js';
import './tag.js';

export const schema = builder.toSchema();

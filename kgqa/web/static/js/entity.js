// Entity pages: draw the network around the entity (the .graph placeholder says which).
import { drawPlaceholders } from "./graph.js";

drawPlaceholders();

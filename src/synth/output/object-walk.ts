import '../model/names';
